"""The risk checklist (风险检查清单) a demander completes and signs before a scenario goes to
pilot and again before it is deployed: the items as data, with their legal basis, and the
rules that say when a checklist is complete.

An answer is `{"involved": True | False | None, "measures": str, "confirmed": bool}`: whether
the scenario involves the risk (是否涉及), and if it does, the mitigation measures (防控措施)
and, for items that name one, the confirmation of a specific step (e.g. PIPIA completed).
Pure data and functions (no database): the services and the pages adapt them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Item:
    code: str
    title: str
    question: str
    basis: str  # legal basis (法律依据), shown next to the question
    guidance: str  # what the measures should cover
    confirm: str = ""  # a step the demander must confirm when the item is involved
    flag: str = ""  # the Demand flag that prefills "involved", if there is one


ITEMS: tuple[Item, ...] = (
    Item(
        code="personal_info",
        title=_("个人信息"),
        question=_("场景是否处理个人信息（如人脸、声纹、身份证号、手机号、位置轨迹）？"),
        basis=_(
            "《中华人民共和国个人信息保护法》（2021年11月1日施行）第十三条、第五十五条、"
            "第五十六条：处理敏感个人信息、利用个人信息进行自动化决策、委托处理或向他人提供"
            "个人信息等情形，应当事前进行个人信息保护影响评估（PIPIA），报告至少保存三年。"
        ),
        guidance=_("处理的个人信息种类与目的、告知同意方式、最小必要、存储期限、访问控制与删除。"),
        confirm=_("已完成个人信息保护影响评估（PIPIA），评估报告和处理情况记录已留存。"),
        flag="involves_personal_info",
    ),
    Item(
        code="medical_data",
        title=_("医疗健康数据"),
        question=_("场景是否使用病历、检验检查、影像、健康监测等医疗健康数据？"),
        basis=_(
            "《中华人民共和国个人信息保护法》第二十八条、第二十九条（医疗健康信息属于敏感个人"
            "信息，须取得个人的单独同意）；《中华人民共和国数据安全法》；《医疗卫生机构网络安全"
            "管理办法》（国卫规划发〔2022〕29号）。"
        ),
        guidance=_("数据来源与授权、去标识化、院内或专区处理、伦理审查、结果仅作辅助参考。"),
        confirm=_("医疗健康数据的使用已经数据所属机构审批（含伦理审查），并已去标识化处理。"),
        flag="involves_medical_data",
    ),
    Item(
        code="minors",
        title=_("未成年人"),
        question=_("服务对象或所处理的数据是否涉及未成年人？"),
        basis=_(
            "《中华人民共和国未成年人保护法》（2020年修订）第七十二条；《未成年人网络保护条例》"
            "（2024年1月1日施行）；《中华人民共和国个人信息保护法》第三十一条（处理不满十四周岁"
            "未成年人个人信息，应当取得其父母或者其他监护人的同意，并制定专门的处理规则）。"
        ),
        guidance=_("监护人同意、专门的处理规则、内容与使用时长保护、专人负责。"),
        confirm=_("已取得监护人同意，并制定了未成年人个人信息专门处理规则。"),
        flag="involves_minors",
    ),
    Item(
        code="safety_critical",
        title=_("安全攸关控制"),
        question=_(
            "人工智能是否直接控制设备、车辆、医疗器械等，其输出错误可能危及人身或生产安全？"
        ),
        basis=_(
            "《中华人民共和国安全生产法》；《医疗器械监督管理条例》（用于诊断、治疗的人工智能"
            "软件按医疗器械管理）；《智能网联汽车道路测试与示范应用管理规范（试行）》（2021年）。"
        ),
        guidance=_(
            "失效模式分析、人工监督与接管、紧急停止、受控环境测试、运行监测与事故处置预案。"
        ),
        confirm=_("已设置人工接管和紧急停止机制，并已在隔离或受控环境中完成测试。"),
    ),
    Item(
        code="data_outbound",
        title=_("数据出域与跨境"),
        question=_("数据是否离开应用场所（上传至场外云端或第三方），或向境外提供？"),
        basis=_(
            "《中华人民共和国数据安全法》；《中华人民共和国个人信息保护法》第三十八条至第四十条；"
            "《数据出境安全评估办法》（2022年9月1日施行）；《促进和规范数据跨境流动规定》"
            "（2024年3月22日施行）。"
        ),
        guidance=_("出域的数据范围与接收方、传输加密、数据处理协议、境外提供的法定程序。"),
        confirm=_("已与数据接收方签订数据处理协议；涉及出境的，已完成安全评估、标准合同或认证。"),
    ),
    Item(
        code="ai_labelling",
        title=_("生成合成内容标识"),
        question=_("场景是否向公众提供人工智能生成或合成的文本、图片、音频、视频等内容？"),
        basis=_(
            "《人工智能生成合成内容标识办法》（2025年9月1日施行）及强制性国家标准 GB 45438-2025"
            "《网络安全技术 人工智能生成合成内容标识方法》；《生成式人工智能服务管理暂行办法》"
            "（2023年8月15日施行）；《互联网信息服务深度合成管理规定》（2023年1月10日施行）。"
        ),
        guidance=_("显式标识（文字、声音、图形提示）与隐式标识（文件元数据）、算法备案情况。"),
        confirm=_("已按要求添加显式标识和隐式标识。"),
        flag="needs_algorithm_filing",
    ),
)

BY_CODE: dict[str, Item] = {item.code: item for item in ITEMS}
MAX_MEASURES = 2000


def empty_answer() -> dict:
    return {"involved": None, "measures": "", "confirmed": False}


def normalise(answers: dict | None) -> dict[str, dict]:
    """Every item's answer (unanswered ones empty), unknown codes dropped."""
    answers = answers or {}
    out = {}
    for item in ITEMS:
        given = answers.get(item.code) or {}
        involved = given.get("involved")
        out[item.code] = {
            "involved": involved if isinstance(involved, bool) else None,
            "measures": str(given.get("measures") or "").strip(),
            "confirmed": bool(given.get("confirmed")) if item.confirm else False,
        }
    return out


def prefill(flags: dict[str, bool]) -> dict[str, dict]:
    """Answers prefilled from a demand's flags (涉及个人信息 …): a set flag answers "yes"; an
    item without a flag, or whose flag is not set, stays unanswered for the demander."""
    answers = normalise(None)
    for item in ITEMS:
        if item.flag and flags.get(item.flag):
            answers[item.code]["involved"] = True
    return answers


def problem(item: Item, answer: dict) -> str:
    """Why an item is incomplete ("" when it is complete)."""
    if answer.get("involved") is None:
        return str(_("未回答是否涉及"))
    if not answer.get("involved"):
        return ""
    if not (answer.get("measures") or "").strip():
        return str(_("未填写防控措施"))
    if item.confirm and not answer.get("confirmed"):
        return str(_("未确认：%(what)s") % {"what": item.confirm})
    return ""


def incomplete(answers: dict | None) -> list[tuple[Item, str]]:
    """The items not yet complete, in checklist order, each with what is missing."""
    normal = normalise(answers)
    out = []
    for item in ITEMS:
        why = problem(item, normal[item.code])
        if why:
            out.append((item, why))
    return out


def involved(answers: dict | None) -> list[Item]:
    """The items the scenario involves."""
    normal = normalise(answers)
    return [item for item in ITEMS if normal[item.code]["involved"]]


def flat(answers: dict | None) -> dict[str, object]:
    """Answers as flat `code.part` keys, for an audit entry's before/after: whether each item
    is involved, and the measures and confirmation where there are any."""
    out: dict[str, object] = {}
    for code, answer in normalise(answers).items():
        out[f"{code}.involved"] = answer["involved"]
        if answer["involved"] or answer["measures"]:
            out[f"{code}.measures"] = answer["measures"]
        if answer["involved"] and BY_CODE[code].confirm:
            out[f"{code}.confirmed"] = answer["confirmed"]
    return out


PARTS = {"involved": _("是否涉及"), "measures": _("防控措施"), "confirmed": _("专项确认")}


def label(key: str) -> str | None:
    """ "personal_info.measures" → "个人信息 · 防控措施"; None for other keys."""
    code, _sep, part = key.partition(".")
    if code in BY_CODE and part in PARTS:
        return f"{BY_CODE[code].title} · {PARTS[part]}"
    return None

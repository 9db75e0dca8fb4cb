"""Demo risk checklists (示例): answers derived from the demand's flags, measures in plain
Chinese, saved and signed through the services by the demo demander, as real use would.

The demo command signs the pilot checklist before it selects a proposal (so the demand goes to
pilot) and the deployment checklist before it moves a demand to 落地; a few demands in talks
get a draft, so the pages show every state.
"""

from __future__ import annotations

from . import checklist, services

MEASURES = {
    "personal_info": (
        "仅采集实现场景所必需的个人信息，现场张贴告知并取得同意；人脸等敏感信息在本地完成特征"
        "提取后即删除原始图像，特征值加密存储、保存不超过 90 天；访问按岗位授权并留存日志。"
    ),
    "medical_data": (
        "数据经医院信息科和伦理委员会审批后在院内专区使用，进入模型前去除姓名、身份证号、"
        "住院号等直接标识；模型输出仅作医生辅助参考，诊疗决定由医生作出。"
    ),
    "minors": (
        "涉及未成年人的数据须取得监护人书面同意，制定专门的处理规则并由专人负责；"
        "不向未成年人推送与服务无关的内容，不采集与服务无关的信息。"
    ),
    "safety_critical": (
        "系统输出仅作为操作建议，由持证人员确认后执行；设置急停按钮和人工接管流程，"
        "上线前在隔离产线完成故障注入测试。"
    ),
    "data_outbound": (
        "数据在本单位机房内处理，不出域；确需上传云端的仅限脱敏后的统计结果，"
        "已与服务商签订数据处理协议。"
    ),
    "ai_labelling": (
        "生成的文本、图片和语音在显著位置添加“AI 生成”提示，文件元数据写入隐式标识；"
        "所用大模型服务已完成生成式人工智能服务备案。"
    ),
}
DEPLOYMENT_NOTE = "试点期间已验证上述措施；落地后纳入日常运维，每年复评一次。"


def form_data(demand, stage: str, *, complete: bool = True) -> dict:
    """Checklist form data for a demo demand: the items its flags mark are involved, with
    measures and the confirmation (for a draft: without them), the others not involved."""
    data = {}
    for item in checklist.ITEMS:
        involved = bool(item.flag and getattr(demand, item.flag, False))
        data[f"{item.code}_involved"] = "yes" if involved else "no"
        if involved and complete:
            measures = MEASURES.get(item.code, "已制定相应的防控措施。")
            if stage == "deployment":
                measures = f"{measures}{DEPLOYMENT_NOTE}"
            data[f"{item.code}_measures"] = measures
            if item.confirm:
                data[f"{item.code}_confirmed"] = "on"
    return data


def sign(*, owner, demand, stage: str):
    """Fill in and sign the demand's checklist for `stage` as the demo demander."""
    services.save_checklist(actor=owner, demand=demand, stage=stage, data=form_data(demand, stage))
    return services.sign_checklist(actor=owner, demand=demand, stage=stage)


def draft(*, owner, demand):
    """A pilot checklist still being written: answered, measures not yet filled in."""
    return services.save_checklist(
        actor=owner, demand=demand, stage="pilot", data=form_data(demand, "pilot", complete=False)
    )

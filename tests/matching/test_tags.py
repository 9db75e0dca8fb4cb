"""The tag suggester: classifier trained on labelled texts, keyword fallback."""

from aiplus.matching import TagSuggester

TEXTS = [
    ("产线表面缺陷检测，机器视觉替代人工目检", "manufacturing", ["机器视觉", "缺陷检测"]),
    ("注塑件外观瑕疵自动识别与分拣", "manufacturing", ["机器视觉", "缺陷检测"]),
    ("钢板表面划痕视觉检测系统", "manufacturing", ["机器视觉", "缺陷检测"]),
    ("数控机床振动监测与故障预警", "manufacturing", ["预测性维护"]),
    ("养老院老人跌倒检测与夜间看护", "elderly", ["具身智能"]),
    ("居家养老陪护机器人与健康监测", "elderly", ["具身智能"]),
    ("社区养老服务智能排班", "elderly", []),
    ("医学影像辅助诊断，肺结节筛查", "health", ["医学影像"]),
    ("门诊病历结构化与智能导诊", "health", ["大模型"]),
    ("医院影像科报告自动生成", "health", ["医学影像", "大模型"]),
]


def trained() -> TagSuggester:
    s = TagSuggester(
        sector_keywords={"energy": ["光伏", "电网", "储能"]},
        tag_keywords={"低空经济": ["无人机", "低空"]},
        min_examples=2,
    )
    return s.fit([t for t, _, _ in TEXTS], [s_ for _, s_, _ in TEXTS], [g for _, _, g in TEXTS])


def test_classifier_proposes_sector_and_tags_with_confidence():
    res = trained().suggest("电子元件外观缺陷的视觉检测")
    assert res.sector == "manufacturing"
    assert res.sectors[0].source == "classifier" and 0.5 <= res.sectors[0].confidence <= 1.0
    tags = {t.label for t in res.tags}
    assert "缺陷检测" in tags or "机器视觉" in tags


def test_elderly_text_goes_to_elderly():
    assert trained().suggest("养老机构老人看护与跌倒报警").sector == "elderly"


def test_keyword_fallback_when_untrained():
    s = TagSuggester(
        sector_keywords={"energy": ["光伏", "电网"], "health": ["医院"]},
        tag_keywords={"低空经济": ["无人机"]},
    )
    res = s.suggest("利用无人机对光伏电站和电网线路巡检")
    assert res.sector == "energy"
    assert res.sectors[0].source == "keyword" and "光伏" in res.sectors[0].evidence
    assert [t.label for t in res.tags] == ["低空经济"]


def test_tag_name_in_text_is_its_own_keyword():
    s = TagSuggester(tag_keywords={"数字孪生": []})
    assert [t.label for t in s.suggest("建设工厂數字孿生平台").tags] == ["数字孪生"]


def test_nothing_to_suggest():
    res = TagSuggester().suggest("你好")
    assert res.sector is None and res.tags == []


def test_a_saved_suggester_loads_with_the_same_suggestions(tmp_path):
    fitted = trained()
    loaded = TagSuggester.load(fitted.save(tmp_path / "tags.json"))
    for text in ["电子元件外观缺陷的视觉检测", "养老机构老人看护", "光伏电站无人机巡检", ""]:
        assert loaded.suggest(text) == fitted.suggest(text)
    assert loaded.trained and loaded.n_trained == len(TEXTS)
    untrained = TagSuggester(sector_keywords={"energy": ["光伏"]})
    again = TagSuggester.load(untrained.save(tmp_path / "empty.json"))
    assert again.suggest("光伏发电预测") == untrained.suggest("光伏发电预测")

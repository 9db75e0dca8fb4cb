"""Normalisation and tokenisation of mixed Chinese, English and numbers."""

from aiplus.matching.text import normalise, tokenize


def test_mixed_chinese_english_numbers_are_split_sensibly():
    assert tokenize("GPU集群A100共8卡") == ["gpu", "集群", "a100", "8", "卡"]


def test_english_words_stay_whole_and_lowercase():
    toks = tokenize("Need a LLM-based 智能客服 for 3.5 million users")
    assert {"llm", "based", "million", "users", "3.5", "智能客服"} <= set(toks)


def test_user_dictionary_keeps_industry_terms_whole():
    toks = tokenize("基于机器视觉的缺陷检测与预测性维护，服务低空经济和具身智能")
    for term in ("机器视觉", "缺陷检测", "预测性维护", "低空经济", "具身智能"):
        assert term in toks


def test_search_mode_also_yields_subwords():
    toks = tokenize("机器视觉")
    assert "机器视觉" in toks and "视觉" in toks


def test_stop_words_and_punctuation_removed():
    toks = tokenize("我们的需求是什么？是机器视觉！")
    assert "的" not in toks and "什么" not in toks and "？" not in toks and "!" not in toks
    assert "机器视觉" in toks


def test_traditional_is_converted_to_simplified():
    assert normalise("機器視覺與數字孿生") == "机器视觉与数字孪生"
    assert tokenize("預測性維護") == tokenize("预测性维护")


def test_full_width_becomes_half_width():
    assert normalise("ＡＩ＋　１２３，ＧＰＵ") == "ai+ 123,gpu"
    assert tokenize("Ａ１００") == ["a100"]


def test_empty_text():
    assert tokenize("") == [] and normalise("   ") == ""

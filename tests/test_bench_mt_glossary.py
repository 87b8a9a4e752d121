"""bench/mt_glossary.py in reduced mode, so it cannot silently rot."""
from bench import mt_glossary


def test_mt_glossary_bench_quick_prints_every_figure(capsys, eval_dir):
    results = mt_glossary.main(["--quick"])
    out = capsys.readouterr().out
    for heading in ("Tatoeba en-pt dev (100 sentences)", "empty glossary", "glossary test set", "adherence"):
        assert heading in out
    dev = results["dev"]
    assert dev["identical_with_empty_glossary"] == dev["sentences"] and dev["empty_glossary"] == dev["plain"]
    assert results["test_set"]["adherence_after"] == 1.0 > results["test_set"]["adherence_before"]

"""The prerequisite helper: a missing prerequisite skips on a developer's machine, fails in CI."""
import pytest

from .conftest import require


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_missing_prerequisite_fails_under_ci_naming_it(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI=true.*chromium at /usr/bin/chromium"):
        require(False, "chromium at /usr/bin/chromium")
    with pytest.raises(pytest.fail.Exception, match="setpriv"):
        require(None, "setpriv", allow_module_level=True)


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_missing_prerequisite_skips_outside_ci(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="a tmpfs mount"):
        require(False, "a tmpfs mount")


def test_present_prerequisite_neither_skips_nor_fails(monkeypatch):
    for ci in ("true", "false"):
        monkeypatch.setenv("CI", ci)
        require(True, "anything")
        require("/usr/bin/ffmpeg", "a path that was found")


def test_each_module_has_its_own_result_cache(module_cache):
    from lingoflow.paths import cache_dir

    assert cache_dir() == module_cache and module_cache.name == "test_require"
    assert (module_cache / "models").is_symlink()  # weights shared, results not

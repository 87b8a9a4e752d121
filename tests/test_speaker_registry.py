"""The library speaker registry (lingoflow/speakers/registry.py): linking one person across files.

Embeddings here are made up (a person is a direction, each file's measurement of them that
direction plus noise; two people share a common part, as voices do), so each rule is checked on
its own, fast. The real voices are in tests/test_library_speakers_e2e.py."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from lingoflow.speakers import registry as reg
from lingoflow.config import LocalizeOptions
from lingoflow.speakers.diarize.measure import SpeakerInfo
from lingoflow.speakers.diarization import Diarized, link
from lingoflow.store.storage import LocalStore
from lingoflow.speakers.voices import cast, load_library

RNG = np.random.default_rng(17)
DIM = 192  # CAM++
COMMON = RNG.normal(size=DIM)


def _unit(v):
    return v / np.linalg.norm(v)


PEOPLE = {name: _unit(COMMON / np.linalg.norm(COMMON) * 10 + RNG.normal(size=DIM)) for name in "ABCDE"}


def heard(person: str, noise: float = 0.25) -> list[float]:
    """One file's embedding of a person: cosine ~0.97 to another file's, ~0.35 to someone else's (as CAM++'s)."""
    return [float(x) for x in _unit(PEOPLE[person] + noise * RNG.normal(size=DIM) / np.sqrt(DIM))]


def speaker(label: str, person: str, seconds: float = 10.0, pitch: float | None = None) -> SpeakerInfo:
    return SpeakerInfo(label, seconds, 3, pitch, heard(person))


@pytest.fixture
def registry(tmp_path):
    return reg.SpeakerRegistry(LocalStore(tmp_path / "out" / ".lingoflow"))


def linked(registry, sha: str, speakers: list[SpeakerInfo], casting: bool = False, options=None) -> Diarized:
    options = options or LocalizeOptions(targets=["pt"] if casting else [])
    d = Diarized(None, speakers, cast(speakers, load_library(options.voices)) if casting else {})
    return link(d, registry, sha, f"item-{sha}", options)


def test_made_up_people_are_alike_as_voices_are():
    same = float(np.dot(heard("A"), heard("A")))
    other = float(np.dot(heard("A"), heard("B")))
    assert same > 0.9 > reg.LINK_THRESHOLD > 0.5 > other > 0.2  # strangers are not orthogonal


def test_match_is_one_to_one_and_best_first():
    known = {"p1": reg.Person("p1", np.asarray(heard("A")), None, 1)}
    found = reg.match({"S0": np.asarray(heard("A", 0.6)), "S1": np.asarray(heard("A", 0.1))}, known, threshold=0.5)
    assert list(found) == ["S1"] and found["S1"][0] == "p1"  # two speakers of one file are never one person
    assert reg.match({"S0": np.asarray(heard("B"))}, known) == {}


def test_the_same_person_links_across_files_and_strangers_do_not(registry):
    one = linked(registry, "f1", [speaker("SPEAKER_00", "A"), speaker("SPEAKER_01", "B")]).library_ids
    two = linked(registry, "f2", [speaker("SPEAKER_00", "C"), speaker("SPEAKER_01", "A")]).library_ids
    assert len(set(one.values())) == 2
    assert two["SPEAKER_01"] == one["SPEAKER_00"]
    assert two["SPEAKER_00"] not in one.values()
    three = linked(registry, "f3", [speaker("SPEAKER_00", "B"), speaker("SPEAKER_01", "C")]).library_ids
    assert three == {"SPEAKER_00": one["SPEAKER_01"], "SPEAKER_01": two["SPEAKER_00"]}


def test_claims_are_sticky_and_a_file_joining_changes_no_earlier_claim(registry, tmp_path):
    f1 = [speaker("SPEAKER_00", "A"), speaker("SPEAKER_01", "B")]
    f2 = [speaker("SPEAKER_00", "A")]
    ids1, ids2 = linked(registry, "f1", f1).library_ids, linked(registry, "f2", f2).library_ids
    claims = tmp_path / "out" / ".lingoflow" / "speakers"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in claims.iterdir()}
    linked(registry, "f3", [speaker("SPEAKER_00", "B"), speaker("SPEAKER_01", "A")])  # joins, matches both
    assert linked(registry, "f1", f1).library_ids == ids1 and linked(registry, "f2", f2).library_ids == ids2
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in claims.iterdir() if p.name in before} == before  # never rewritten
    # a file diarized anew (other voices under its labels) claims anew
    again = linked(registry, "f2", [speaker("SPEAKER_00", "D")]).library_ids
    assert again["SPEAKER_00"] not in (*ids1.values(), *ids2.values())


def test_a_known_person_keeps_their_voice_and_a_file_mate_gets_another(registry):
    first = linked(registry, "f1", [speaker("SPEAKER_00", "A", pitch=110.0)], casting=True)
    voice = first.casting["SPEAKER_00"].profile
    # in the next file someone else with a low voice speaks more: on its own, that file would
    # give them the first low profile and the known person another
    mates = [speaker("SPEAKER_00", "D", seconds=30.0, pitch=100.0), speaker("SPEAKER_01", "A", seconds=5.0, pitch=110.0)]
    alone = cast(mates, load_library())
    assert alone["SPEAKER_00"].profile == voice and alone["SPEAKER_01"].profile != voice
    second = linked(registry, "f2", mates, casting=True)
    assert second.library_ids["SPEAKER_01"] == first.library_ids["SPEAKER_00"]
    assert second.casting["SPEAKER_01"].profile == voice
    assert second.casting["SPEAKER_00"].profile != voice and second.casting["SPEAKER_00"].pitch_range == "low"
    assert [e["library_id"] for e in second.report()] == [second.library_ids["SPEAKER_00"], first.library_ids["SPEAKER_00"]]


def test_an_enrolled_person_keeps_precedence(registry):
    first = linked(registry, "f1", [speaker("SPEAKER_00", "A", pitch=110.0)], casting=True).library_ids["SPEAKER_00"]
    sp = [speaker("SPEAKER_00", "A", pitch=110.0)]
    casting = cast(sp, load_library())
    casting["SPEAKER_00"].profile, casting["SPEAKER_00"].enrolled = "light", "guest"  # as cast() marks a match
    d = link(Diarized(None, sp, casting), registry, "f2", "f2", LocalizeOptions(targets=["pt"]))
    assert d.library_ids == {"SPEAKER_00": "enrolled:guest"} and d.casting["SPEAKER_00"].profile == "light"
    # enrolled no more (another voices file): the same diarization is linked again, by voice
    again = linked(registry, "f2", sp, casting=True)
    assert again.library_ids["SPEAKER_00"] == first


def test_the_threshold_comes_from_the_voices_file(registry, tmp_path):
    voices = tmp_path / "voices.yaml"
    voices.write_text("link_threshold: 0.999\n")
    options = LocalizeOptions(voices=str(voices))
    one = linked(registry, "f1", [speaker("SPEAKER_00", "A")], options=options).library_ids
    two = linked(registry, "f2", [speaker("SPEAKER_00", "A")], options=options).library_ids
    assert one != two  # 0.97 alike is not enough at 0.999


def test_two_files_finishing_at_once_found_one_person(tmp_path):
    """--jobs 2: two files introduce the same new person at the same moment (a few rounds: a
    race lost once is enough to fail)."""
    for round_ in range(6):
        registry = reg.SpeakerRegistry(LocalStore(tmp_path / f"out{round_}" / ".lingoflow"))
        start = threading.Barrier(2)
        out = {}

        def run(sha):
            start.wait()
            out[sha] = linked(registry, sha, [speaker("SPEAKER_00", "E")]).library_ids["SPEAKER_00"]

        threads = [threading.Thread(target=run, args=(sha,)) for sha in ("f1", "f2")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert out["f1"] == out["f2"], round_


def test_a_damaged_claim_is_linked_again(registry, tmp_path):
    ids = linked(registry, "f1", [speaker("SPEAKER_00", "A")]).library_ids
    (tmp_path / "out" / ".lingoflow" / "speakers" / "f1.json").write_text("{not json")
    assert linked(registry, "f2", [speaker("SPEAKER_00", "A")]).library_ids != ids  # nobody known any more
    assert linked(registry, "f1", [speaker("SPEAKER_00", "A")]).library_ids["SPEAKER_00"]


def test_the_registry_lives_in_an_s3_out(nanio):
    from lingoflow.store.outroot import OutputRoot
    from lingoflow.store.storage import S3Config

    from .ops_fixtures import minio_client

    minio_client(nanio).make_bucket("registry")
    config = S3Config(nanio["LINGOFLOW_S3_ENDPOINT"], nanio["LINGOFLOW_S3_ACCESS_KEY"], nanio["LINGOFLOW_S3_SECRET_KEY"], secure=False)
    registry = reg.SpeakerRegistry.for_root(OutputRoot("s3://registry/lib", config))
    one = linked(registry, "f1", [speaker("SPEAKER_00", "A"), speaker("SPEAKER_01", "B")]).library_ids
    registry = reg.SpeakerRegistry.for_root(OutputRoot("s3://registry/lib", config))  # another run, nothing remembered
    reg._memo.clear()
    two = linked(registry, "f2", [speaker("SPEAKER_00", "B")]).library_ids
    assert two["SPEAKER_00"] == one["SPEAKER_01"]
    keys = {o.object_name for o in minio_client(nanio).list_objects("registry", recursive=True)}
    assert keys == {"lib/.lingoflow/speakers/f1.json", "lib/.lingoflow/speakers/f2.json"}


from .ops_fixtures import nanio  # noqa: E402,F401 (fixture)

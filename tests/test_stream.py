"""An archive coded chunk by chunk gives the rows coding it in memory gives, written atomically."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import hsqual
from hsqual.codebook import Code, Codebook
from hsqual.errors import RuleSyntaxError, TranscriptError
from hsqual.resources import bundled_path
from hsqual.stream import archive_chunks, code_archive

DIET = Path(__file__).parent / "data" / "diet"


@pytest.fixture(scope="module")
def codebook():
    return hsqual.load_codebooks(hsqual.bundled_codebooks())


@pytest.fixture()
def archive(tmp_path):
    """Japanese essays, English interviews with a sector column, and pages of the Diet record."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for p in (bundled_path("transcripts") / "ja").glob("*.md"):
        shutil.copy(p, folder / p.name)
    for p in DIET.glob("*.json"):
        shutil.copy(p, folder / p.name)
    for i, sector in enumerate(["NGO", "Government", None]):
        header = f"---\nsector: {sector}\n---\n" if sector else ""
        (folder / f"int{i}.md").write_text(
            f"{header}Interviewer: What does human security add?\n\n"
            f"Interviewee {i}: It protects people from violence and fear. Dignity matters most.\n", encoding="utf-8")
    return folder


def _in_memory(folder, codebook, **opts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the Diet fixtures hold one speech twice
        return hsqual.apply_codebook(hsqual.load_corpus(folder), codebook, **opts)


def _stream(folder, codebook, **opts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return code_archive(folder, codebook, progress=False, **opts)


@pytest.mark.parametrize("unit", ["sentence", "segment", "document"])
def test_streamed_parquet_has_the_in_memory_rows(archive, codebook, tmp_path, unit):
    out = tmp_path / "codings.parquet"
    memory = _in_memory(archive, codebook, unit=unit)
    summary = _stream(archive, codebook, out=out, unit=unit, chunk_size=3_000)
    assert summary["n_chunks"] >= 4
    streamed = pd.read_parquet(out)
    assert len(memory) > 20
    pd.testing.assert_frame_equal(streamed, memory, check_dtype=False)
    assert str(streamed["match_start"].dtype) == "Int64"
    assert summary["n_codings"] == len(memory)
    for key in ("n_documents", "n_units", "n_units_left_out", "documents_without_rules"):
        assert summary[key] == memory.attrs[key]
    # one chunk or many: the same file content
    whole = tmp_path / "whole.parquet"
    _stream(archive, codebook, out=whole, unit=unit, chunk_size=10**9)
    pd.testing.assert_frame_equal(pd.read_parquet(whole), streamed)


def test_every_core_on_every_chunk(archive, codebook, tmp_path, monkeypatch):
    # copies of the Japanese essays, so that a chunk holds several batches of 20,000 characters
    for p in (bundled_path("transcripts") / "ja").glob("*.md"):
        for i in range(3):
            text = p.read_text(encoding="utf-8").replace(f"id: {p.stem}\n", f"id: {p.stem}_{i}\n", 1)
            (archive / f"{p.stem}_{i}.md").write_text(text, encoding="utf-8")
    import hsqual.parallel

    pools = []
    real_pool = hsqual.parallel._pool
    monkeypatch.setattr(hsqual.parallel, "_pool", lambda n: pools.append(n) or real_pool(n))
    opts = dict(unit="sentence", exclude_speakers=["会議録情報", "Interviewer"])
    memory = _in_memory(archive, codebook, **opts)
    out = tmp_path / "c.parquet"
    summary = _stream(archive, codebook, out=out, chunk_size=100_000, n_jobs=2, **opts)
    assert summary["n_chunks"] >= 2 and pools  # the chunks were coded in a pool of worker processes
    pd.testing.assert_frame_equal(pd.read_parquet(out), memory, check_dtype=False)
    assert summary["n_units_left_out"] == memory.attrs["n_units_left_out"] > 0


def test_streamed_csv_reads_back_as_codings(archive, codebook, tmp_path):
    out = tmp_path / "codings.csv"
    memory = _in_memory(archive, codebook, exclude_speakers="会議録情報")
    _stream(archive, codebook, out=out, chunk_size=2_000, exclude_speakers="会議録情報")
    back = hsqual.read_codings(out)
    cols = hsqual.CODINGS_COLUMNS
    pd.testing.assert_frame_equal(back[cols], hsqual.codings_frame(memory)[cols])


def test_whole_archive_options_across_chunks(archive, codebook, tmp_path):
    # a speaker of one chunk only, a meta: column some documents lack
    cb = Codebook("demo", [
        Code(id="ngo", label={"en": "NGO"}, rules={"en": ("violence AND meta:sector=NGO",)}),
        Code(id="dignity", label={"en": "Dignity", "ja": "尊厳"}, rules={"en": ("dignity",), "ja": ("尊厳",)})])
    opts = dict(unit="sentence", speakers=["Interviewee 0", "佐藤花子"])
    memory = _in_memory(archive, cb, **opts)
    out = tmp_path / "c.parquet"
    summary = _stream(archive, cb, out=out, chunk_size=1_000, **opts)
    assert set(memory["code"]) == {"ngo", "dignity"}
    pd.testing.assert_frame_equal(pd.read_parquet(out), memory, check_dtype=False)
    assert summary["n_units_left_out"] == memory.attrs["n_units_left_out"] > 0


def test_errors_leave_the_previous_file(archive, codebook, tmp_path):
    out = tmp_path / "codings.parquet"
    out.write_bytes(b"the codings of last week")
    with pytest.raises(ValueError, match="no segment of the archive has the speaker 'Nobody'"):
        _stream(archive, codebook, out=out, chunk_size=2_000, speakers="Nobody")
    cb = Codebook("x", [Code(id="a", label={"en": "a"}, rules={"en": ("meta:sectr=NGO",)})])
    with pytest.raises(RuleSyntaxError, match="no document of the archive has a metadata column 'sectr'"):
        _stream(archive, cb, out=out, chunk_size=2_000)
    # a broken page late in the archive: chunks before it were coded, nothing is written
    (archive / "zz_broken.json").write_text('{"speechRecord": [{"issueID": "X", "speechOrder": "one"}]}',
                                            encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"zz_broken.json: \$\.speechRecord\[0\]"):
        _stream(archive, codebook, out=out, chunk_size=2_000)
    assert out.read_bytes() == b"the codings of last week"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "codings.parquet"]  # no temporary file left
    with pytest.raises(ValueError, match="writes .parquet or .csv files"):
        code_archive(archive, codebook, out=tmp_path / "c.xlsx")


def test_diet_pages_of_one_meeting_stay_in_one_chunk(tmp_path):
    for p in DIET.glob("*.json"):
        shutil.copy(p, tmp_path / p.name)
    # a page of another query between the two pages that share a meeting
    data = json.loads((DIET / "meeting_page1.json").read_text(encoding="utf-8"))
    (tmp_path / "speech_page1b.json").write_text(json.dumps({"meetingRecord": data["meetingRecord"][:1]}),
                                                 encoding="utf-8")
    (tmp_path / "meeting_page1.json").write_text(json.dumps({"meetingRecord": data["meetingRecord"][1:]}),
                                                 encoding="utf-8")
    chunks = [[p.name for p in c] for c in archive_chunks(tmp_path, chunk_size=1)]
    assert chunks == [["meeting_page1.json"], ["speech_page1.json", "speech_page1b.json", "speech_page2.json"]]


def test_a_document_id_twice_in_the_archive(tmp_path, codebook):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        (tmp_path / d / "int01.md").write_text("Interviewee 1: Dignity.\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="document id 'int01' comes twice in the archive"):
        code_archive([tmp_path / "a", tmp_path / "b"], codebook, out=tmp_path / "c.parquet", chunk_size=1,
                     progress=False)


def test_progress_bar(archive, codebook, tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        code_archive(archive, codebook, out=tmp_path / "c.parquet", chunk_size=5_000, progress=True)
    total = sum(p.stat().st_size for p in archive.iterdir())
    err = capsys.readouterr().err
    assert "coding" in err
    assert f"/{total / 1000:.1f}k " in err  # the bar counts the bytes of the whole archive

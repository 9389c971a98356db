"""The ``hsqual validate``, ``export`` and ``import`` commands, run in-process."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from malicious.crafted import foreign_qdpx, zip_bytes

from hsqual.cli import main
from hsqual.codebook import load_codebooks
from hsqual.codings import check_codings, read_codings
from hsqual.resources import bundled_codebooks
from hsqual.transcripts import load_corpus

INT04 = ("---\nid: int04\nlanguage: ja\ninterviewee: 4\nsector: NGO\n---\n"
         "聞き手：人間の安全保障とは？\r\n岡田：尊厳をもって生きる自由です🙂。\r\n")
INT07 = ("---\nid: int07\nlanguage: en\ninterviewee: 7\nsector: government\n---\n"
         "Q: What does it add?\nA: Freedom from fear and freedom from want.\n")


@pytest.fixture
def study(tmp_path):
    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "int04.md").write_bytes(INT04.encode("utf-8"))
    (tmp_path / "interviews" / "int07.md").write_text(INT07, encoding="utf-8")
    cb_dir = tmp_path / "codebooks"
    cb_dir.mkdir()
    for p in bundled_codebooks():
        shutil.copy(p, cb_dir / p.name)
    cb = load_codebooks(cb_dir)
    corpus = load_corpus(tmp_path / "interviews")
    t4, t7 = corpus.doc("int04").text, corpus.doc("int07").text
    code = "freedoms.dignity" if "freedoms.dignity" in cb else cb.ids[-1]
    fear = "freedoms.fear" if "freedoms.fear" in cb else cb.ids[0]
    seg4 = next(s.segment_id for s in corpus.segments_of("int04") if "尊厳" in s.text)
    seg7 = next(s.segment_id for s in corpus.segments_of("int07") if "fear" in s.text)
    rows = [
        ("int04", seg4, code, t4.index("尊厳"), t4.index("尊厳") + 11, "尊厳をもって生きる自由", "kurusu2015", "", "key quote"),
        ("int07", seg7, fear, t7.index("Freedom from fear"), t7.index("Freedom from fear") + 17, "Freedom from fear",
         "kurusu2015", "", ""),
    ]
    pd.DataFrame(rows, columns=["doc_id", "segment_id", "code", "start", "end", "quote", "coder", "rule", "memo"]
                 ).to_csv(tmp_path / "codings.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("command", ["validate", "export", "import"])
def test_help_shows_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert f"hsqual {command}" in out and "example" in out


def test_validate_good_files_exit_0(study, capsys):
    status = main(["validate", str(study / "codebooks" / "three_freedoms.yaml"), str(study / "interviews" / "int04.md"),
                   str(study / "codings.csv"), "--corpus", str(study / "interviews"),
                   "--codebook", str(study / "codebooks")])
    captured = capsys.readouterr()
    assert status == 0, captured
    assert captured.err == ""  # results are output, not diagnostics
    assert "three_freedoms.yaml: ok (codebook 'three_freedoms'" in captured.out
    assert "int04.md: ok (transcript, 1 document(s)" in captured.out
    assert "codings.csv: ok (2 codings)" in captured.out


def test_validate_reports_codings_problems_one_per_line(study, capsys):
    df = pd.read_csv(study / "codings.csv", keep_default_na=False)
    df.loc[0, "quote"] = "尊厳をもって生きる権利"  # stale
    df.loc[1, "code"] = "freedoms.unknown"
    extra = df.iloc[[1]].copy()
    extra["start"], extra["end"] = 5, 5000
    extra["code"] = df.loc[0, "code"]
    pd.concat([df, extra]).to_csv(study / "codings.csv", index=False)
    status = main(["validate", str(study / "codings.csv"), "--corpus", str(study / "interviews"),
                   "--codebook", str(study / "codebooks")])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    path = study / "codings.csv"
    assert out[0].startswith(f"{path}:2: quote does not match: text at ")
    assert out[1] == f"{path}:3: unknown code: 'freedoms.unknown' is not in codebook " \
                     f"'{load_codebooks(study / 'codebooks').id}'"
    assert out[2].startswith(f"{path}:4: offsets out of range: 5-5000 outside 0-")
    assert out[3] == f"{path}: 3 problem(s) (3 codings)"
    assert len(out) == 4


def test_validate_reports_a_broken_codebook_with_its_line(study, capsys):
    p = study / "codebooks" / "broken.yaml"
    p.write_text("id: broken\nversion: '1'\ntitle: {en: B, ja: B}\nsource: x\ncodes:\n  - id: a\n    lable: {en: A}\n")
    status = main(["validate", str(p)])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    assert out == [f"{p}:7: code 'a': unknown key 'lable' in this code; expected one of: color, definition, "
                   "examples, groups, id, label, parent, rules, when_not_to_use, when_to_use", f"{p}: 1 problem"]


def test_validate_reports_a_binary_transcript(tmp_path, capsys):
    p = tmp_path / "int09.txt"
    p.write_bytes(b"Q: hello\x00\x00\x00")
    assert main(["validate", str(p)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{p}: found a NUL byte at byte position 8")


def test_validate_detects_codings_by_header_not_suffix(tmp_path, capsys):
    p = tmp_path / "segments.csv"
    p.write_text("doc_id,text\nint01,hello\n")
    assert main(["validate", str(p)]) == 0
    assert "ok (transcript" in capsys.readouterr().out


def test_export_to_every_format_and_validate_the_project(study, capsys):
    base = ["export", "--codebook", str(study / "codebooks")]
    corpus = ["--corpus", str(study / "interviews"), "--codings", str(study / "codings.csv")]
    assert main(base + corpus + ["--user", "kurusu2015=Kaoru Kurusu", "--to", str(study / "out" / "p.qdpx")]) == 0
    assert main(base + ["--to", str(study / "out" / "c.qdc")]) == 0
    assert main(base + ["--to", str(study / "out" / "c.md"), "--lang", "ja"]) == 0
    assert main(base + ["--to", str(study / "out" / "c.html")]) == 0
    assert main(base + corpus + ["--to", str(study / "out" / "t.xlsx")]) == 0
    out = capsys.readouterr().out
    assert f"wrote {study / 'out' / 'p.qdpx'} (2 documents, 2 codings," in out
    sheets = pd.read_excel(study / "out" / "t.xlsx", sheet_name=None)
    assert list(sheets) == ["codebook", "codings", "documents", "settings"]
    assert len(sheets["codings"]) == 2
    assert main(["validate", str(study / "out" / "p.qdpx"), str(study / "out" / "c.qdc")]) == 0
    assert "offsets counted as codepoints" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["p.qdpx", "c.qdc", "c.md", "c.html", "t.xlsx"])
def test_export_never_replaces_an_existing_file_without_force(study, capsys, name):
    target = study / name
    target.write_bytes(b"ANOTHER TOOL'S PROJECT WITH A PERSON'S CODINGS")
    argv = ["export", "--codebook", str(study / "codebooks"), "--corpus", str(study / "interviews"),
            "--codings", str(study / "codings.csv"), "--to", str(target)]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err == (f"hsqual export: error: {target} exists; refusing to replace it (it may hold another "
                            "tool's project or a person's codings): give --force to replace it, or write to another "
                            "file with --to\n")
    assert captured.out == ""
    assert target.read_bytes() == b"ANOTHER TOOL'S PROJECT WITH A PERSON'S CODINGS"
    assert sorted(p.name for p in study.iterdir() if p.is_file()) == sorted(["codings.csv", name])  # no temp file
    assert main(argv + ["--force"]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    assert target.read_bytes() != b"ANOTHER TOOL'S PROJECT WITH A PERSON'S CODINGS"


def test_export_to_a_folder_is_a_usage_error(study, capsys):
    (study / "folder.qdc").mkdir()
    assert main(["export", "--codebook", str(study / "codebooks"), "--to", str(study / "folder.qdc"), "--force"]) == 2
    assert f"{study / 'folder.qdc'} is a folder" in capsys.readouterr().err


def test_export_qdpx_without_corpus_is_a_usage_error(study, capsys):
    assert main(["export", "--codebook", str(study / "codebooks"), "--to", str(study / "p.qdpx")]) == 2
    assert "needs the documents: give --corpus" in capsys.readouterr().err
    assert main(["export", "--codebook", str(study / "codebooks"), "--to", str(study / "p.pdf")]) == 2


def test_import_a_project_gives_files_hsqual_reads_back(study, capsys):
    qdpx = study / "p.qdpx"
    assert main(["export", "--codebook", str(study / "codebooks"), "--corpus", str(study / "interviews"),
                 "--codings", str(study / "codings.csv"), "--to", str(qdpx)]) == 0
    out_dir = study / "imported"
    assert main(["import", str(qdpx), "--out", str(out_dir)]) == 0
    capsys.readouterr()
    original = load_corpus(study / "interviews")
    corpus = load_corpus(out_dir / "transcripts")
    assert corpus.doc_ids == original.doc_ids
    for doc in original:
        assert corpus.doc(doc.doc_id).text == doc.text
        assert corpus.doc(doc.doc_id).meta["interviewee"] == doc.meta["interviewee"]
    codings = read_codings(out_dir / "codings.csv")
    before = read_codings(study / "codings.csv")
    cols = ["doc_id", "segment_id", "code", "start", "end", "quote", "coder", "memo"]
    assert codings[cols].equals(before[cols])
    cb = load_codebooks(out_dir / "codebooks")
    assert cb.ids == load_codebooks(study / "codebooks").ids
    assert check_codings(codings, corpus, cb).empty


def test_import_never_overwrites_without_force(study, capsys):
    qdpx = study / "p.qdpx"
    main(["export", "--codebook", str(study / "codebooks"), "--corpus", str(study / "interviews"),
          "--codings", str(study / "codings.csv"), "--to", str(qdpx)])
    out_dir = study / "imported"
    (out_dir).mkdir()
    (out_dir / "codings.csv").write_text("HUMAN CODINGS")
    assert main(["import", str(qdpx), "--out", str(out_dir)]) == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (out_dir / "codings.csv").read_text() == "HUMAN CODINGS"
    assert not (out_dir / "codebooks").exists()  # nothing written before the refusal
    assert main(["import", str(qdpx), "--out", str(out_dir), "--force"]) == 0


def test_import_a_foreign_project_reports_problem_selections(tmp_path, capsys):
    p = tmp_path / "foreign.qdpx"
    p.write_bytes(foreign_qdpx("安全保障", [(0, 6, "安全"), (1, 2, None)]))
    status = main(["import", str(p), "--out", str(tmp_path / "out"), "--offsets", "utf8"])
    out = capsys.readouterr().out
    assert status == 1
    assert "offsets counted as utf8" in out
    assert "selection 1-2" in out and "does not fall on character boundaries under the utf8 convention" in out
    assert len(read_codings(tmp_path / "out" / "codings.csv")) == 2  # kept


def test_import_a_foreign_codebook_writes_yaml_with_todos(tmp_path, capsys):
    p = tmp_path / "atlas.qdc"
    p.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                 '<Code guid="0b1d3c7a-0c1e-4c52-9a57-7a1f7f3d6e01" name="Protection" isCodable="true"/>'
                 "</Codes></CodeBook>", encoding="utf-8")
    assert main(["import", str(p), "--out", str(tmp_path / "out")]) == 0
    assert "1 code(s) lack a definition or examples" in capsys.readouterr().err
    cb = load_codebooks(tmp_path / "out" / "codebooks" / "atlas.yaml")
    assert cb["protection"].examples[0].quote.startswith("TODO")


def test_import_a_malicious_project_is_an_error_not_a_crash(tmp_path, capsys):
    p = tmp_path / "evil.qdpx"
    p.write_bytes(zip_bytes({"project.qde": "<Project/>", "../../../tmp/owned.txt": "x"}))
    assert main(["import", str(p), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"hsqual import: error: {p}: refusing zip entry '../../../tmp/owned.txt'")
    assert not (tmp_path / "out").exists()


def test_validate_a_folder_checks_each_file_in_it(study, tmp_path, capsys):
    (study / "interviews" / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert main(["validate", str(study / "interviews"), str(study / "codebooks")]) == 0
    out = capsys.readouterr().out
    assert "int04.md: ok (transcript" in out and "int07.md: ok (transcript" in out
    assert "three_freedoms.yaml: ok (codebook" in out and "figure.png" not in out
    (tmp_path / "empty").mkdir()
    assert main(["validate", str(tmp_path / "empty")]) == 1
    assert capsys.readouterr().out == f"{tmp_path / 'empty'}: a folder without any file hsqual reads " \
                                      f"(.yaml, .yml, .md, .txt, .csv, .docx, .qdc, .qdpx)\n{tmp_path / 'empty'}: 1 problem\n"


def _segment_tuples(corpus):
    return [(s.doc_id, s.segment_id, s.kind, s.start, s.end, s.speaker, s.text) for s in corpus.segments]


def _assert_round_trip(corpus, codings, codebook, tmp_path, capsys):
    """export_qdpx -> hsqual import -> load_corpus + read_codings gives the same segments and codings."""
    from hsqual.refiqda import export_qdpx

    qdpx = export_qdpx(codings, corpus, codebook, tmp_path / "project.qdpx")
    out_dir = tmp_path / "imported"
    assert main(["import", str(qdpx), "--out", str(out_dir), "--no-progress"]) == 0
    capsys.readouterr()
    back = load_corpus(out_dir / "transcripts")
    back_codings = read_codings(out_dir / "codings.csv")
    assert back.doc_ids == corpus.doc_ids
    assert [back.doc(d).text for d in back.doc_ids] == [corpus.doc(d).text for d in corpus.doc_ids]
    assert _segment_tuples(back) == _segment_tuples(corpus)
    cols = ["doc_id", "segment_id", "code", "start", "end", "quote", "coder"]
    assert back_codings[cols].equals(read_codings_like(codings)[cols])
    assert check_codings(back_codings, back).empty
    # each coding lies inside the segment its segment_id names
    segs = {(s.doc_id, s.segment_id): s for s in back.segments}
    for row in back_codings.itertuples():
        seg = segs[(row.doc_id, row.segment_id)]
        assert seg.start <= row.start <= row.end <= seg.end
    return back, back_codings


def read_codings_like(codings):
    from hsqual.codings import codings_frame

    return codings_frame(codings).reset_index(drop=True)


SENTENCES_EN = ("---\nid: int07\nlanguage: en\ninterviewee: 7\n---\n"
                "Q: What does it add? Is it new?\n"
                "A: Freedom from fear comes first. Freedom from want follows. Dignity ties them.\n")
SENTENCES_JA = ("---\nid: int04\nlanguage: ja\ninterviewee: 4\n---\n"
                "聞き手：人間の安全保障とは？\r\n"
                "岡田：尊厳をもって生きる自由です🙂。恐怖からの自由も大切です。欠乏からの自由も。\r\n")


def test_import_round_trips_a_project_cut_into_sentences(study, tmp_path, capsys):
    from hsqual.codings import codings_frame

    folder = tmp_path / "sentences"
    folder.mkdir()
    (folder / "int04.md").write_bytes(SENTENCES_JA.encode("utf-8"))
    (folder / "int07.md").write_bytes(SENTENCES_EN.encode("utf-8"))
    cb = load_codebooks(study / "codebooks")
    corpus = load_corpus(folder, unit="sentence")
    assert [len(corpus.segments_of(d)) for d in corpus.doc_ids] == [4, 5]
    code, fear = cb.ids[-1], cb.ids[0]
    rows = []
    for seg in corpus.segments:
        for word, c in (("尊厳", code), ("恐怖", fear), ("欠乏", code), ("fear", fear), ("want", code),
                        ("Dignity", code)):
            at = seg.text.find(word)
            if at >= 0:
                start = seg.start + at
                rows.append({"doc_id": seg.doc_id, "segment_id": seg.segment_id, "code": c, "start": start,
                             "end": start + len(word), "quote": word, "coder": "kurusu2015"})
    codings = codings_frame(rows)
    assert sorted(codings["segment_id"]) == [2, 3, 3, 4, 4, 5]
    # the default cut of the same files (turns: 2 per document) has no segments 3-5
    assert check_codings(codings, load_corpus(folder))["problem"].tolist() == ["unknown segment"] * 5
    _assert_round_trip(corpus, codings, cb, tmp_path, capsys)
    text = (tmp_path / "imported" / "transcripts" / "int07.md").read_text(encoding="utf-8")
    assert text.endswith("segments:\n- [1, sentence, 3, 20, Q]\n- [2, sentence, 21, 31, Q]\n"
                         "- [3, sentence, 35, 65, A]\n- [4, sentence, 66, 92, A]\n- [5, sentence, 93, 111, A]\n"
                         "---\n" + SENTENCES_EN.split("---\n", 2)[2])
    # asking for another unit cuts the imported transcripts again, as the docs say
    turns = load_corpus(tmp_path / "imported" / "transcripts", unit="turn")
    assert [(s.segment_id, s.kind) for s in turns.segments] == [(1, "turn"), (2, "turn")] * 2


def test_import_round_trips_the_kurusu_study(tmp_path, capsys):
    from hsqual.studies import kurusu2015

    study = kurusu2015.load()
    back, back_codings = _assert_round_trip(study.corpus, study.codings, study.codebook, tmp_path, capsys)
    assert len(back_codings) == len(study.codings) > 100
    assert {s.kind for s in back.segments} == {"document"}

"""Recovery of false duplicates: re-admit what LSH chained in, never bring back a real copy."""

import random

from datatrove.data import Document
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from dedup.shingles import jaccard, shingle_set
from recovery.false_duplicates import FalseDuplicateRecovery

WORDS = ("river stone light market garden window teacher engine story bridge winter paper "
         "orchard lantern harbor meadow signal copper violin canyon pepper marble saddle").split()


def words(seed: int, n: int = 120) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + str(rng.randint(0, 9)) for _ in range(n))


def edit(text: str, every: int) -> str:
    """Replace every EVERY-th word: a controlled near copy."""
    return " ".join("changed" if i % every == 0 else w for i, w in enumerate(text.split()))


def write(folder, name, docs):
    with JsonlWriter(str(folder), output_filename=name) as w:
        for d in docs:
            w.write(d, 0)


def run_recovery(tmp_path, kept, removed, min_jaccard=0.7):
    write(tmp_path / "kept", "00000.jsonl.gz", kept)
    write(tmp_path / "removed", "en_00000.jsonl.gz", removed)
    step = FalseDuplicateRecovery("en", str(tmp_path / "kept"), str(tmp_path / "removed"), str(tmp_path / "out"), 5, min_jaccard)
    list(step.run())
    out = tmp_path / "out"
    found = list(JsonlReader(str(out)).run()) if out.exists() else []
    return {d.id: d for d in found}, step


def doc(id_, text, cluster):
    return Document(text=text, id=id_, metadata={"minhash_cluster_id": cluster, "filter_reason": "x"})


def test_chained_document_is_readmitted_and_copy_is_not(tmp_path):
    a = words(1)
    near_a = edit(a, 40)  # a real near copy of A
    chained = words(2)  # unrelated to A: LSH/clustering put it in A's cluster
    assert jaccard(shingle_set(a, "en", 5), shingle_set(near_a, "en", 5)) > 0.7
    back, step = run_recovery(tmp_path, [doc("A", a, 0)], [doc("B", near_a, 0), doc("C", chained, 0)])
    assert set(back) == {"C"}
    c = back["C"]
    assert c.metadata["recovered_by"] == "false_duplicates"
    evidence = c.metadata["recovery_evidence"]
    assert evidence["survivor_id"] == "A" and evidence["cluster_id"] == 0
    assert evidence["max_jaccard_to_kept"] < 0.7
    assert "filter_reason" not in c.metadata
    assert step.stats["examined"].total == 2 and step.stats["readmitted"].total == 1


def test_two_readmitted_copies_of_each_other_come_back_once(tmp_path):
    a, other = words(1), words(3)
    back, _ = run_recovery(
        tmp_path, [doc("A", a, 5)], [doc("X1", other, 5), doc("X2", edit(other, 50), 5)]
    )
    assert set(back) == {"X1"}  # X2 is a near copy of the re-admitted X1


def test_clusters_are_judged_separately(tmp_path):
    a, b = words(1), words(2)
    # B's copy sits in cluster 1, whose survivor is A: B's copy is not like A -> re-admitted.
    back, _ = run_recovery(tmp_path, [doc("A", a, 1), doc("B", b, 2)], [doc("B2", edit(b, 60), 1), doc("A2", edit(a, 60), 1)])
    assert set(back) == {"B2"}


def test_no_removed_documents_writes_nothing(tmp_path):
    (tmp_path / "removed").mkdir()
    write(tmp_path / "kept", "00000.jsonl.gz", [doc("A", words(1), -1)])
    step = FalseDuplicateRecovery("en", str(tmp_path / "kept"), str(tmp_path / "removed"), str(tmp_path / "out"), 5, 0.7)
    list(step.run())
    assert not (tmp_path / "out").exists()


def test_the_named_survivor_is_what_a_copy_is_judged_against(tmp_path):
    a, b = words(1), words(2)
    # Both kept documents sit in cluster 7; B2 names B as its survivor, so it is a real copy.
    b2 = Document(text=edit(b, 60), id="B2", metadata={"minhash_cluster_id": 7, "duplicate_of": "B"})
    back, _ = run_recovery(tmp_path, [doc("A", a, 7), doc("B", b, 7)], [b2])
    assert back == {}
    # A copy whose named survivor is unlike it comes back, with that survivor as the evidence.
    c = Document(text=words(4), id="C", metadata={"minhash_cluster_id": 7, "duplicate_of": "B"})
    back, _ = run_recovery(tmp_path / "second", [doc("A", a, 7), doc("B", b, 7)], [c])
    assert back["C"].metadata["recovery_evidence"]["survivor_id"] == "B"


def test_a_survivor_in_another_language_folder_is_found(tmp_path):
    """dedup.scope global: a removed English copy may name a survivor filed under zh/."""
    b = words(2)
    write(tmp_path / "kept" / "zh", "00000.jsonl.gz", [Document(text=b, id="B", metadata={})])
    write(tmp_path / "kept" / "en", "00000.jsonl.gz", [doc("A", words(1), 3)])
    write(tmp_path / "removed", "en_00000.jsonl.gz",
          [Document(text=edit(b, 60), id="B2", metadata={"minhash_cluster_id": 3, "duplicate_of": "B"})])
    step = FalseDuplicateRecovery("en", str(tmp_path / "kept" / "en"), str(tmp_path / "removed"), str(tmp_path / "out"), 5, 0.7)
    list(step.run())
    assert not (tmp_path / "out").exists() and step.stats["examined"].total == 1


def test_a_copy_is_judged_against_every_kept_document_with_the_named_id(tmp_path):
    """Input ids need not be unique: two kept documents called "0", the copy of the second must stay out."""
    a, b = words(1), words(2)
    kept = [doc("0", b, 8), doc("0", a, 7)]  # the survivor first: a lookup by id alone finds A
    copy = Document(text=edit(b, 60), id="1", metadata={"minhash_cluster_id": 8, "duplicate_of": "0"})
    back, step = run_recovery(tmp_path, kept, [copy])
    assert back == {} and step.stats["examined"].total == 1


def test_tasks_share_clusters_and_the_merge_gives_one_task_s_output(tmp_path):
    from extract.inputs import read_records
    from recovery.false_duplicates import MergeReadmitted

    kept = [doc(f"K{c}", words(100 + c), c) for c in range(7)]
    removed = [d for c in range(7) for d in (doc(f"C{c}", words(200 + c), c), doc(f"N{c}", edit(kept[c].text, 40), c))]
    write(tmp_path / "kept", "00000.jsonl.gz", kept)
    write(tmp_path / "removed", "en_00000.jsonl.gz", removed)

    def recovered(tasks: int) -> list[dict]:
        parts, out = tmp_path / f"parts{tasks}", tmp_path / f"out{tasks}"
        step = FalseDuplicateRecovery("en", str(tmp_path / "kept"), str(tmp_path / "removed"), str(parts), 5, 0.7)
        for rank in range(tasks):
            list(step.run(rank=rank, world_size=tasks))
        list(MergeReadmitted(str(parts), str(out)).run())
        return [r for _, r in read_records(str(out / "recovered_00000.jsonl.gz"))]

    one = recovered(1)
    assert [r["id"] for r in one] == [f"C{c}" for c in range(7)]  # the chained ones, in cluster order
    assert recovered(3) == one


def test_a_chained_cluster_of_2000_recovers_in_linear_work(tmp_path):
    """Member i shares a block of words with member i+1 only: LSH chains them all into one
    cluster, and every member comes back. Judging each against the kept and re-admitted ones
    through the shingle index walks a bounded number of postings per member; comparing with
    every earlier one would be 2,000 x 2,000 / 2 = 2e6 comparisons."""
    letters = lambda k: "".join("abcdefghijklmnopqrstuvwxyz"[int(d)] for d in f"{k:06d}")  # noqa: E731 (digits hash alike)
    blocks = [" ".join(letters(b * 30 + j) for j in range(30)) for b in range(2001)]
    members = [f"{blocks[i]} {blocks[i + 1]}" for i in range(2000)]  # neighbours at Jaccard ~1/3
    kept = [doc("m0000", members[0], 0)]
    removed = [doc(f"m{i:04d}", members[i], 0) for i in range(1, 2000)]
    back, step = run_recovery(tmp_path, kept, removed)
    assert len(back) == 1999
    shingles = sum(len(shingle_set(m, "en", 5)) for m in members[1:])
    # Each shingle of a member is found in at most its predecessor's set: visits <= shingles.
    assert step.stats["compared"].total <= shingles

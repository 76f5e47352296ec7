"""`python -m mha.bench --decode`: decode rows report K/V GB/s and % of the
same-run read bandwidth, for the cpu pipeline and its unsplit kernel."""

from mha import bench


def test_decode_rows_quote_read_bandwidth(monkeypatch):
    # A tiny GQA step with an i1 mask: fast, same code path as the real rows.
    monkeypatch.setattr(bench, "DECODE_SHAPES_QUICK",
                        [("tiny GQA 4/2, i1 mask", 1, 4, 2, 1, 70, 16, True)])
    lines = []
    figures = bench.decode_rows(1, 1, quick=True, skip={"PyTorch SDPA"},
                                out=lines.append, bandwidth_mib=64)
    (row,) = figures["rows"]
    assert row["kv_bytes"] == 4 * 2 * 2 * 70 * 16
    assert set(row["results"]) == {"mha cpu", "mha cpu unsplit"}
    bandwidth = figures["read_bandwidth"]
    assert bandwidth is not None, "mha-read-bandwidth was not built"
    assert bandwidth["gbps_median"] > 0
    for r in row["results"].values():
        assert r["kv_gbps"] > 0
        assert r["pct_bandwidth"] == 100 * r["kv_gbps"] / bandwidth["gbps_median"]
    assert any("% of read bandwidth" in line for line in lines)

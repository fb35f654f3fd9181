"""One day of the labelling search of :mod:`optimizer.roster.pricing`, compiled with numba.

:meth:`optimizer.roster.pricing.LabelPricer.price` extends every label by one day at a time. Its numpy form
spends its time sorting and gathering the candidate labels of each day (about 1.5-3 million extensions a second;
on the 182 days of Curtois & Qu instance 20 one staff member's best response took about half a second). This kernel
does the same step in one compiled pass: candidates are generated in the order the numpy form enumerates them,
merged in a hash table keyed by the merged state (the ``beam`` cheapest by ``hope`` kept per key, earlier
candidates first on ties, as a stable sort would), and the survivors are put in the numpy form's order (merged
key, then hope, then enumeration order) before the weekend-dominance filter. The two forms return the same
labels in the same order; ``tests/roster/test_roster_labelling.py`` checks that on random problems and the
Curtois & Qu instances, and the numpy form stays as the reference (``LabelPricer(engine="numpy")``).

The kernel is compiled on first use and cached on disk (``cache=True``), and releases the GIL (``nogil=True``) so
that :func:`optimizer.roster.pricing.price_in_parts` still runs parts in threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

BIG_RUN = 10_000
"""Run lengths in a merged state's key stay below this (both forms of the step use it)."""


@njit(cache=True, nogil=True, error_model="numpy")
def _hash(key: int, mask: int) -> Any:  # pragma: no cover - compiled
    """Slot of ``key`` (the splitmix64 finaliser: keys differ mostly in their high bits, e.g. by staff member)."""
    x = np.uint64(key)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return np.int64(x & np.uint64(mask))


@njit(cache=True, nogil=True, error_model="numpy")
def extend_day(d: int, e: np.ndarray, grp: np.ndarray, wrun: np.ndarray, orun: np.ndarray, exempt: np.ndarray,
               wk_count: np.ndarray, wk_flag: np.ndarray, counts: np.ndarray, total: np.ndarray, mins: np.ndarray,
               acc: np.ndarray, on_keep: np.ndarray,
               ok: np.ndarray, forbid: np.ndarray, max_type: np.ndarray, max_total: np.ndarray, max_run: np.ndarray,
               min_off: np.ndarray, max_minutes: np.ndarray, minutes: np.ndarray, weekend: np.ndarray,
               max_weekends: np.ndarray, complete: np.ndarray, min_run: np.ndarray, after: np.ndarray,
               top_minutes: np.ndarray, top_minutes_safe: np.ndarray, min_minutes: np.ndarray, cost: np.ndarray,
               succ_group: np.ndarray, shift_class: np.ndarray, run_cap: np.ndarray, num_groups: int, total_bucket: int,
               track_w: np.ndarray, num_codes: int, beam: int,
               prune: bool, use_togo: bool, table: np.ndarray, n_opt: np.ndarray, n_forced: np.ndarray,
               kstar: np.ndarray, short_mins: int, ceiling: np.ndarray, has_keep: bool, keep_val: np.ndarray,
               ws_i: np.ndarray, ws_f: np.ndarray, ws_b: np.ndarray, slot_key: np.ndarray, slot_used: np.ndarray,
               slot_member: np.ndarray) -> Any:  # pragma: no cover - compiled
    """Extend the ``L`` labels (arrays indexed by label) by day ``d``; returns the next day's labels
    ``(e, grp, wrun, orun, exempt, wk_count, wk_flag, counts, total, mins, acc, on_keep)``, each kept label's parent
    and value (``-1`` for a day off), and the extensions examined (the pricer's ``work_done``). The arrays after
    ``keep_val`` are scratch space (:class:`Workspace`)."""
    L = e.size
    S = ok.shape[2] - 1
    D = ok.shape[1]
    # candidates go to the caller's workspace (ws_i [11, >= L * (S + 1)], ws_f [2, ...], ws_b [3, ...]): fresh
    # arrays every day cost a quarter of the time in page faults
    c_li, c_v, c_total, c_mins = ws_i[0], ws_i[1], ws_i[2], ws_i[3]
    c_grp, c_wrun, c_orun, c_wk = ws_i[4], ws_i[5], ws_i[6], ws_i[7]
    c_key, c_state, c_wkcap = ws_i[8], ws_i[9], ws_i[10]
    c_cost, c_hope = ws_f[0], ws_f[1]
    c_exempt, c_flag, c_on = ws_b[0], ws_b[1], ws_b[2]
    wk = weekend[d]
    same = d > 0 and weekend[d - 1] == wk
    left = D - 1 - d
    work_done = 0
    n = 0
    for i in range(L):
        ee = e[i]
        worked_y = wrun[i] > 0
        off_y = orun[i] > 0
        g = grp[i]
        code = 0
        if num_codes > 1:
            for s in range(S):
                code += counts[i, s] * track_w[ee, s]
        new_weekend = False
        if wk >= 0:
            new_weekend = not (wk_flag[i] and same)
        work_ok = total[i] < max_total[ee]
        if worked_y and wrun[i] >= max_run[ee]:
            work_ok = False
        if off_y and not exempt[i] and orun[i] < min_off[ee]:
            work_ok = False
        if wk >= 0 and new_weekend and wk_count[i] >= max_weekends[ee]:
            work_ok = False
        off_ok = not (worked_y and not exempt[i] and wrun[i] < min_run[ee])
        if wk >= 0 and same and complete[ee, wk]:
            # a complete weekend: the second day as the first
            if wk_flag[i]:
                off_ok = False
            else:
                work_ok = False
        for v in range(S + 1):
            if not ok[ee, d, v]:
                continue
            if g >= 0 and forbid[g, v]:
                continue
            work = v < S
            if work:
                if not work_ok or counts[i, v] >= max_type[ee, v] or mins[i] + minutes[v] > max_minutes[ee]:
                    continue
            elif not off_ok:
                continue
            work_done += 1
            n_total = total[i] + (1 if work else 0)
            n_mins = mins[i] + minutes[v]
            days = min(left - left // (max_run[ee] + 1), max_total[ee] - n_total)
            reach = min(after[ee, d], max(days, 0) * top_minutes[ee])
            if n_mins + reach < min_minutes[ee]:
                continue
            c = acc[i] + cost[ee, d, v]
            n_on = has_keep and on_keep[i] and v == keep_val[ee, d]
            if use_togo:
                lo = max(-((n_mins - min_minutes[ee]) // top_minutes_safe[ee]), 0) - n_forced[ee, d]
                hi = min(max_total[ee] - n_total, (max_minutes[ee] - n_mins) // short_mins) - n_forced[ee, d]
                no = n_opt[ee, d]
                lo = min(max(lo, 0), no)
                hi = min(max(hi, lo), no)
                k = min(max(kstar[ee, d], lo), hi)
                hope = c + table[ee, d, k]
                if not (hope < ceiling[ee]) and not n_on:
                    continue
            else:
                hope = c
            if work:
                n_grp = succ_group[shift_class[v]]
                n_wrun = wrun[i] + 1 if worked_y else 1
                n_orun = 0
                cont = worked_y or not off_y
            else:
                n_grp = -1
                n_wrun = 0
                n_orun = orun[i] + 1 if off_y else 1
                cont = off_y or not worked_y
            n_exempt = exempt[i] and cont
            if wk >= 0:
                n_wk = wk_count[i] + (1 if (work and new_weekend) else 0)
                n_flag = True if work else (wk_flag[i] and same)
            else:
                n_wk = wk_count[i]
                n_flag = False
            cap_off = min(n_orun, min_off[ee])
            cap_work = min(n_wrun, run_cap[ee])
            key = ((((ee * (num_groups + 1) + (n_grp + 1)) * (BIG_RUN + 1) + cap_work) * 64 + cap_off) * 2
                   + (1 if n_exempt else 0)) * 2 + (1 if n_flag else 0)
            if num_codes > 1:
                key = key * num_codes + code + track_w[ee, v]
            if total_bucket:
                key = key * (D + 2) + n_total // total_bucket
            wk_capped = min(n_wk, max_weekends[ee])
            c_li[n] = i
            c_v[n] = v
            c_total[n] = n_total
            c_mins[n] = n_mins
            c_cost[n] = c
            c_hope[n] = hope
            c_grp[n] = n_grp
            c_wrun[n] = n_wrun
            c_orun[n] = n_orun
            c_exempt[n] = n_exempt
            c_wk[n] = n_wk
            c_flag[n] = n_flag
            c_state[n] = key
            c_key[n] = key * (D + 2) + wk_capped
            c_wkcap[n] = wk_capped
            c_on[n] = n_on
            n += 1
    # merge: the `beam` cheapest candidates (by hope, earlier first on ties) per key, plus those on the kept roster
    # (slot arrays: the caller's, at least a power of two >= 2 L (S + 1) long, slot_member [.., beam])
    cap = 16
    while cap < 2 * n:
        cap *= 2
    mask = cap - 1
    slot_used[:cap] = 0
    for j in range(n):
        kj = c_key[j]
        h = _hash(kj, mask)
        while slot_used[h] > 0 and slot_key[h] != kj:
            h = (h + 1) & mask
        if slot_used[h] == 0:
            slot_key[h] = kj
            slot_member[h, 0] = j
            slot_used[h] = 1
            continue
        u = slot_used[h]
        hj = c_hope[j]
        if u < beam:
            pos = u
            slot_used[h] = u + 1
        elif hj < c_hope[slot_member[h, beam - 1]]:
            pos = beam - 1
        else:
            continue
        # insert j keeping members by (hope, index): j comes after members of equal hope
        while pos > 0 and hj < c_hope[slot_member[h, pos - 1]]:
            slot_member[h, pos] = slot_member[h, pos - 1]
            pos -= 1
        slot_member[h, pos] = j
    keep_mark = c_on[:n].copy()
    for h in range(cap):
        for r in range(slot_used[h]):
            keep_mark[slot_member[h, r]] = True
    sel = np.flatnonzero(keep_mark)
    # the numpy form's order: merged key, then hope, then enumeration order. Keys are nearly unique among the
    # survivors (at most `beam` each, plus those on the kept roster): sort by key, then each run of equal keys
    # by (hope, index) in place
    sel = sel[np.argsort(c_key[sel])]
    m = sel.size
    a = 0
    while a < m:
        b = a + 1
        while b < m and c_key[sel[b]] == c_key[sel[a]]:
            b += 1
        for q in range(a + 1, b):
            j = sel[q]
            r = q
            while r > a and (c_hope[sel[r - 1]] > c_hope[j]
                             or (c_hope[sel[r - 1]] == c_hope[j] and sel[r - 1] > j)):
                sel[r] = sel[r - 1]
                r -= 1
            sel[r] = j
        a = b
    m = sel.size
    alive = np.ones(m, np.bool_)
    if prune:
        # a label that worked fewer weekends at no greater cost, all else equal, dominates; sel is sorted by key,
        # so by state and then by weekends worked
        a = 0
        while a < m:
            st = c_state[sel[a]]
            b = a
            best_before = np.inf
            while b < m and c_state[sel[b]] == st:
                blk = c_wkcap[sel[b]]
                q = b
                block_min = np.inf
                while q < m and c_state[sel[q]] == st and c_wkcap[sel[q]] == blk:
                    cj = c_cost[sel[q]]
                    if best_before <= cj and not (has_keep and c_on[sel[q]]):
                        alive[q] = False
                    if cj < block_min:
                        block_min = cj
                    q += 1
                if block_min < best_before:
                    best_before = block_min
                b = q
            a = b
        sel = sel[alive]
    m = sel.size
    o_e = np.empty(m, np.int64)
    o_counts = np.empty((m, counts.shape[1]), np.int64)
    parent = np.empty(m, np.int64)
    value = np.empty(m, np.int64)
    for r in range(m):
        j = sel[r]
        i = c_li[j]
        parent[r] = i
        v = c_v[j]
        o_e[r] = e[i]
        for s in range(counts.shape[1]):
            o_counts[r, s] = counts[i, s]
        if v < S:
            o_counts[r, v] += 1
            value[r] = v
        else:
            value[r] = -1
    return (o_e, c_grp[sel], c_wrun[sel], c_orun[sel], c_exempt[sel], c_wk[sel], c_flag[sel], o_counts,
            c_total[sel], c_mins[sel], c_cost[sel], c_on[sel], parent, value, work_done)


class Workspace:
    """Scratch arrays of :func:`extend_day` for one search (not shared between threads), grown as needed."""

    def __init__(self, beam: int) -> None:
        self.beam = beam
        self.size = 0
        self.ws_i = np.empty((11, 0), np.int64)
        self.ws_f = np.empty((2, 0), np.float64)
        self.ws_b = np.empty((3, 0), np.bool_)
        self.slot_key = np.empty(0, np.int64)
        self.slot_used = np.empty(0, np.int64)
        self.slot_member = np.empty((0, beam), np.int64)

    def arrays(self, candidates: int) -> tuple[np.ndarray, ...]:
        """The scratch arrays, long enough for ``candidates`` candidate labels."""
        if candidates > self.size:
            size = max(candidates, 2 * self.size, 1024)
            cap = 16
            while cap < 2 * size:
                cap *= 2
            self.size = size
            self.ws_i = np.empty((11, size), np.int64)
            self.ws_f = np.empty((2, size), np.float64)
            self.ws_b = np.empty((3, size), np.bool_)
            self.slot_key = np.empty(cap, np.int64)
            self.slot_used = np.zeros(cap, np.int64)
            self.slot_member = np.empty((cap, self.beam), np.int64)
        return self.ws_i, self.ws_f, self.ws_b, self.slot_key, self.slot_used, self.slot_member

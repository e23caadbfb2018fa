"""Small-cell protection over linked tables: primary and secondary suppression, with proof.

A report publishes counts ("cells") tied together by linear relations: a total is the sum
of its parts; a total shown in several tables is one cell; open cases at the end of a
period are those open before it plus the new ones minus the closed ones. Some relations
are only inequalities (a case can have several problems, so the problems of the men add
up to at least the number of men).

Rules (DOMAIN.md §6): a count of 1..k−1 is hidden and shown as "<k" (primary); zeros stay
visible; further cells are hidden (secondary, shown as "…") until no primary cell can be
worked out from what is published. Someone reading the report knows all of that: a "<k"
cell lies in 1..k−1, a "…" cell is at least k, a shown number is exact. So a primary cell
is safe when another set of counts, equally consistent with everything published, gives
it a different value. `Linked.protect()` finds such an alternative for every primary cell
— a *move*: +1/−1 on some hidden cells that keeps every relation and every bound — and
hides the cheapest extra cells a move needs. The moves are returned as witnesses, so a
test can check the proof without trusting the search.

Some counts are never shown but a reader can still reason about them: the small
categories folded into "other" are each 1..k−1 and add up (with what "other" held) to the
"other" row. They are registered as *unpublished* cells with the bounds a reader knows,
and protected like primary cells.

Very few cases can leave no move at all: four cases from four oblasts make four "<5"
cells that add up to a "<5" total, so each must be 1. Then the small cells linked to it
are *withheld* — shown as "…" instead of "<k", so a reader no longer knows they are below
k — and protected the same way (their proof may only assume they are at least 1). If even
that fails, everything tied to the cell is blacked out, zeros included.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

Key = Hashable
INF = float("inf")
SEARCH_BUDGET = 3000  # search nodes per attempt; more is tried before giving up
QUICK_BUDGET = 400
PATIENCE = 300  # search nodes spent looking for a cheaper move once one is found
MOVE_SIZES = (4, 8, 16, None)  # cells a move may change, round by round (None: any)


@dataclass(frozen=True)
class Protection:
    """Which cells are hidden, and why each primary cell cannot be recovered.

    `witness[key]` maps cells to +1/−1: adding it to the true counts gives different
    counts that fit every published number, relation and bound, with `key` changed; there
    is one for every primary and withheld cell and every small unpublished one.
    `withheld` cells are small counts shown as "…" (a last resort, see the module
    docstring): a reader knows only that they are at least 1. `unpublished` cells are
    never shown (folded categories).
    """

    primary: frozenset[Key]
    secondary: frozenset[Key]
    withheld: frozenset[Key] = frozenset()
    witness: Mapping[Key, Mapping[Key, int]] = field(default_factory=dict)
    unpublished: frozenset[Key] = frozenset()
    blackout: frozenset[Key] = frozenset()  # withheld with zeros and all: a reader knows ≥ 0

    def hidden(self, key: Key) -> bool:
        """Whether the cell `key` is not published."""
        return (
            key in self.primary
            or key in self.secondary
            or key in self.withheld
            or key in self.unpublished
        )


class Linked:
    """The cells of one report and the relations between them, ready to protect."""

    def __init__(self, k: int) -> None:
        if k < 3:
            raise ValueError("k must be at least 3: with k = 2 a “<2” cell is exactly 1")
        self.k = k
        self.values: dict[Key, int] = {}
        self.weights: dict[Key, float] = {}
        self.unpublished: dict[Key, tuple[int, int | None]] = {}  # key → reader's bounds
        self.equations: list[dict[Key, int]] = []
        self.inequalities: list[dict[Key, int]] = []

    # --- building -------------------------------------------------------------------------

    def cell(self, key: Key, value: int, weight: float = 1.0) -> Key:
        """Register a published count; the same key twice must carry the same value."""
        if value < 0:
            raise ValueError(f"negative count for {key!r}")
        known = self.values.get(key)
        if known is not None and known != value:
            raise ValueError(f"cell {key!r} registered as {known} and {value}")
        self.values[key] = value
        self.weights[key] = max(weight, self.weights.get(key, 0.0))
        return key

    def unpublished_cell(self, key: Key, value: int, low: int, high: int | None) -> Key:
        """Register a count that is never shown but that a reader knows lies in low..high
        (None: no upper bound); one of 1..k−1 is protected like a primary cell."""
        if not low <= value <= (value if high is None else high):
            raise ValueError(f"unpublished cell {key!r} = {value} outside {low}..{high}")
        self.cell(key, value)
        self.unpublished[key] = (low, high)
        return key

    def equal(self, total: Key, parts: Iterable[Key]) -> None:
        """`total` is the sum of `parts`."""
        terms: dict[Key, int] = {total: -1}
        for part in parts:
            terms[part] = terms.get(part, 0) + 1
        self.linear(terms)

    def linear(self, terms: Mapping[Key, int]) -> None:
        """Σ coefficient × cell = 0 (coefficients ±1)."""
        clean = {key: c for key, c in terms.items() if c}
        self._check(clean)
        if any(abs(c) != 1 for c in clean.values()):
            raise ValueError("coefficients must be +1 or −1")
        if sum(c * self.values[key] for key, c in clean.items()) != 0:
            raise ValueError(f"relation does not hold for the data: {clean!r}")
        if len(clean) > 1:
            self.equations.append(clean)

    def at_least(self, terms: Mapping[Key, int]) -> None:
        """Σ coefficient × cell ≥ 0."""
        clean = {key: c for key, c in terms.items() if c}
        self._check(clean)
        if sum(c * self.values[key] for key, c in clean.items()) < 0:
            raise ValueError(f"inequality does not hold for the data: {clean!r}")
        if clean:
            self.inequalities.append(clean)

    def _check(self, terms: Mapping[Key, int]) -> None:
        for key in terms:
            if key not in self.values:
                raise KeyError(f"unknown cell {key!r}")

    # --- protecting -----------------------------------------------------------------------

    def protect(self) -> Protection:
        """Hide small cells and enough others; return the pattern with its proof."""
        return _Search(self).run()


class _Search:
    """The suppression search over one `Linked` problem (cells by index, for speed)."""

    def __init__(self, problem: Linked) -> None:
        self.k = problem.k
        self.keys = list(problem.values)
        index = {key: i for i, key in enumerate(self.keys)}
        self.value = [problem.values[key] for key in self.keys]
        self.cost = [
            problem.weights[key] * max(v, 1) for key, v in zip(self.keys, self.value, strict=True)
        ]
        self.eqs = [
            sorted(((index[key], c) for key, c in eq.items()), key=lambda t: self.cost[t[0]])
            for eq in problem.equations
        ]
        # An inequality without a negative term always holds (counts are never negative).
        self.ineqs = []
        for ineq in problem.inequalities:
            terms = [(index[key], c) for key, c in ineq.items()]
            if any(c < 0 for _i, c in terms):
                self.ineqs.append(sorted(terms, key=lambda t: self.cost[t[0]]))
        n = len(self.keys)
        self.eqs_of: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        for e, eq in enumerate(self.eqs):
            for i, c in eq:
                self.eqs_of[i].append((e, c))
        self.ineqs_of: list[list[int]] = [[] for _ in range(n)]
        for q, ineq in enumerate(self.ineqs):
            for i, _c in ineq:
                self.ineqs_of[i].append(q)
        # 0 published, 1 primary ("<k"), 2 secondary ("…", ≥ k), 3 withheld ("…", ≥ 1),
        # 4 unpublished (bounds in self.bounds), 5 blacked out ("…", zeros too: ≥ 0)
        self.state = [1 if 1 <= v < self.k else 0 for v in self.value]
        self.bounds: dict[int, tuple[int, float]] = {}
        for key, (low, high) in problem.unpublished.items():
            i = index[key]
            self.state[i] = 4
            self.bounds[i] = (low, INF if high is None else high)
        self.unpublished = set(self.bounds)

    # bounds of a hidden cell as a reader of the report knows them
    def _allowed(self, i: int, step: int, *, extend: bool) -> bool:
        state, v = self.state[i], self.value[i] + step
        if state == 1:
            return 1 <= v <= self.k - 1
        if state == 3:
            return v >= 1
        if state == 5:
            return v >= 0
        if state == 4:
            low, high = self.bounds[i]
            return low <= v <= high
        if state == 2 or (extend and self.value[i] > 0):
            return v >= self.k
        return False

    def run(self) -> Protection:
        witness: dict[Key, dict[Key, int]] = {}
        small = [i for i, s in enumerate(self.state)
                 if s == 1 or (s == 4 and 1 <= self.value[i] < self.k)]  # fmt: skip
        for x in small:
            move = self._protect(x)
            if move is not None:
                witness[self.keys[x]] = {self.keys[i]: d for i, d in move.items()}
        pick = {s: frozenset(self.keys[i] for i, st in enumerate(self.state) if st == s)
                for s in (1, 2, 3, 5)}  # fmt: skip
        unpublished = frozenset(self.keys[i] for i in self.unpublished)
        withheld = pick[3] | (pick[5] - unpublished)
        return Protection(pick[1], pick[2], withheld, witness, unpublished, pick[5])

    def _protect(self, x: int) -> dict[int, int] | None:
        """Find a move for the small cell x, hiding more as needed; the last resorts are
        to withhold the small cells tied to x, then to black out everything tied to it."""
        tries = [(False, QUICK_BUDGET), (True, SEARCH_BUDGET)]
        for extend, budget in tries:
            move = self._best_move(x, extend=extend, budget=budget)
            if move is not None:
                return self._hide(move)
        if self.state[x] == 1:
            for i in self._component(x, nonzero=True):
                if self.state[i] == 1:
                    self.state[i] = 3
            move = self._best_move(x, extend=True, budget=SEARCH_BUDGET)
            if move is not None:
                return self._hide(move)
        for i in self._component(x, nonzero=False):
            self.state[i] = 5
        move = self._best_move(x, extend=False, budget=SEARCH_BUDGET * 10)
        return self._hide(move) if move is not None else None

    def _hide(self, move: dict[int, int]) -> dict[int, int]:
        for i in move:
            if self.state[i] == 0:
                self.state[i] = 2
        return move

    def _component(self, x: int, *, nonzero: bool) -> set[int]:
        """The cells tied to x through relations (only through non-zero cells if asked)."""
        seen, todo = {x}, [x]
        while todo:
            i = todo.pop()
            linked = [j for e, _c in self.eqs_of[i] for j, _ in self.eqs[e]]
            linked += [j for q in self.ineqs_of[i] for j, _ in self.ineqs[q]]
            for j in linked:
                if j not in seen and (self.value[j] > 0 or not nonzero):
                    seen.add(j)
                    todo.append(j)
        return seen

    def _best_move(self, x: int, *, extend: bool, budget: int) -> dict[int, int] | None:
        """The cheapest ±1 move changing cell x (cost: cells newly hidden), or None.

        Moves with few cells are looked for first (iterative deepening on the size): a
        depth-first search left free to grow follows cheap cells from table to table
        and may close its loop only through a headline total, while a short loop that
        hides a few more mid-sized cells nearby is far cheaper. The best move found so
        far bounds the searches for larger ones.
        """
        best: list = [INF, None]
        for size in MOVE_SIZES:
            for step in (1, -1):
                if not self._allowed(x, step, extend=False):
                    continue
                search = _MoveSearch(
                    self, x, step, extend=extend, budget=budget, bound=best[0], max_cells=size
                )
                found = search.run()
                if found is not None and found[0] < best[0]:
                    best = list(found)
        return best[1]

    def broken_inequality(self, move: Mapping[int, int]) -> int | None:
        """An inequality the move breaks (its index), or None."""
        touched = sorted({q for i in move for q in self.ineqs_of[i]})
        for q in touched:
            if sum(c * (self.value[i] + move.get(i, 0)) for i, c in self.ineqs[q]) < 0:
                return q
        return None


class _MoveSearch:
    """Depth-first branch and bound for one move: balance every relation a change touches."""

    def __init__(self, owner: _Search, x: int, step: int, *, extend: bool, budget: int,
                 bound: float, max_cells: int | None = None) -> None:  # fmt: skip
        self.o, self.extend, self.budget = owner, extend, budget
        self.max_cells = max_cells if max_cells is not None else INF
        self.move: dict[int, int] = {x: step}
        self.residual: dict[int, int] = {}
        for e, c in owner.eqs_of[x]:
            self.residual[e] = self.residual.get(e, 0) + c * step
        self.unbalanced = {e for e, r in self.residual.items() if r}
        self.best_cost, self.best = bound, None

    def run(self) -> tuple[float, dict[int, int]] | None:
        self._visit(0.0)
        return (self.best_cost, self.best) if self.best is not None else None

    def _visit(self, cost: float) -> None:
        if self.budget <= 0:
            return
        self.budget -= 1
        o = self.o
        if len(self.move) >= self.max_cells and (self.unbalanced or o.broken_inequality(self.move)
                                                 is not None):  # fmt: skip
            return  # the move would need more cells than this round allows
        if self.unbalanced:
            # Balance a relation: change one more of its cells the other way.
            e = min(self.unbalanced, key=lambda q: (len(o.eqs[q]), q))
            want = -1 if self.residual[e] > 0 else 1
            members = o.eqs[e]
        else:
            q = o.broken_inequality(self.move)
            if q is None:
                if cost < self.best_cost:
                    self.best_cost, self.best = cost, dict(self.move)
                    self.budget = min(self.budget, PATIENCE)
                return
            # Repair an inequality: raise its sum by changing one more of its cells.
            want, members = 1, o.ineqs[q]
        for hidden_pass in (True, False):
            for i, c in members:
                if i in self.move or (o.state[i] != 0) != hidden_pass:
                    continue
                step = want * c
                if not o._allowed(i, step, extend=self.extend):
                    continue
                extra = 0.0 if hidden_pass else o.cost[i]
                if cost + extra >= self.best_cost:
                    if hidden_pass:
                        continue
                    break  # members are sorted by cost
                self._assign(i, step)
                self._visit(cost + extra)
                self._unassign(i, step)
                if self.budget <= 0:
                    return

    def _assign(self, i: int, step: int) -> None:
        self.move[i] = step
        for e, c in self.o.eqs_of[i]:
            r = self.residual.get(e, 0) + c * step
            self.residual[e] = r
            if r:
                self.unbalanced.add(e)
            else:
                self.unbalanced.discard(e)

    def _unassign(self, i: int, step: int) -> None:
        del self.move[i]
        for e, c in self.o.eqs_of[i]:
            r = self.residual[e] - c * step
            self.residual[e] = r
            if r:
                self.unbalanced.add(e)
            else:
                self.unbalanced.discard(e)

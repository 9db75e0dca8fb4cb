"""The voucher ledger: double entry, balances derived from entries, never overspent.

Money moves pool → granted (held for an enterprise's order) → payable (redeemed against usage,
owed to the provider) → paid (settled with the provider); what an order does not use goes back
to the pool. Accounts:

- `budget`                 where a programme's money comes from (negative: what was put in)
- `pool`                   not yet granted
- `granted:<enterprise>`   held for an enterprise's orders
- `payable:<provider>`     redeemed vouchers owed to a provider
- `paid:<provider>`        settled with a provider

Every write takes the programme's row lock (`SELECT … FOR UPDATE` on PostgreSQL; SQLite runs
write transactions one at a time, `transaction_mode = IMMEDIATE`) before it reads a balance, so
concurrent grants and redemptions see each other and can never take the pool, a grant or a cap
below zero. A movement has a `key`: asking for it again returns the first one and writes
nothing. Entries are never edited; `reverse()` books the opposite entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from aiplus.core.errors import Conflict, ServiceError

from .models import LedgerEntry, LedgerTransaction, TxKind, VoucherProgramme

CENT = Decimal("0.01")
ZERO = Decimal(0)


def fen(value) -> Decimal:
    """Round down to the fen: a voucher never pays a fraction more than it may."""
    return Decimal(value).quantize(CENT, rounding=ROUND_DOWN)


def money(value) -> Decimal:
    """A sum of amounts to the fen. SQLite adds decimals as floating point (a balance of zero
    can come back as 1e-13); every amount is whole fen, so rounding the sum is exact."""
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def granted_account(enterprise_id: int) -> str:
    return f"granted:{enterprise_id}"


def payable_account(provider_id: int) -> str:
    return f"payable:{provider_id}"


def paid_account(provider_id: int) -> str:
    return f"paid:{provider_id}"


def balance(programme: VoucherProgramme | int, account: str) -> Decimal:
    pk = programme if isinstance(programme, int) else programme.pk
    total = LedgerEntry.objects.filter(programme_id=pk, account=account).aggregate(s=Sum("amount"))
    return money(total["s"])


def balances(programme: VoucherProgramme | int, prefix: str = "") -> dict[str, Decimal]:
    """Every account's balance (of those starting with `prefix`)."""
    pk = programme if isinstance(programme, int) else programme.pk
    rows = (
        LedgerEntry.objects.filter(programme_id=pk, account__startswith=prefix)
        .values("account")
        .annotate(s=Sum("amount"))
    )
    return {r["account"]: money(r["s"]) for r in rows}


def lock(programme: VoucherProgramme | int) -> VoucherProgramme:
    """The programme's row, locked until the end of the transaction (call inside one)."""
    pk = programme if isinstance(programme, int) else programme.pk
    return VoucherProgramme.objects.select_for_update().get(pk=pk)


def existing(key: str) -> LedgerTransaction | None:
    return LedgerTransaction.objects.filter(key=key).first()


@dataclass(frozen=True)
class Line:
    account: str
    amount: Decimal


def post(
    *,
    programme: VoucherProgramme,
    kind: str,
    key: str,
    lines: list[Line],
    year: int,
    memo: str = "",
    actor=None,
    enterprise=None,
    order=None,
    usage=None,
    reverses: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Book one balanced transaction (call with the programme locked). Lines of zero are left
    out; lines that do not sum to zero are refused."""
    lines = [Line(line.account, fen(line.amount)) for line in lines if line.amount]
    if sum((line.amount for line in lines), ZERO) != ZERO:
        raise ServiceError("账务不平衡：借贷合计不为零。")
    try:
        with transaction.atomic():
            tx = LedgerTransaction.objects.create(
                programme=programme,
                kind=kind,
                key=key,
                enterprise=enterprise,
                order=order,
                usage=usage,
                reverses=reverses,
                year=year,
                memo=memo[:300],
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError as exc:  # the same key booked meanwhile: nothing more to do
        raise Conflict("该笔账务已记录。") from exc
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transaction=tx, programme=programme, account=line.account, amount=line.amount
            )
            for line in lines
        ]
    )
    return tx


def fund(*, programme: VoucherProgramme, amount: Decimal, key: str, year: int, actor=None, memo=""):
    """Put money into the pool (from the programme's budget)."""
    amount = fen(amount)
    if amount <= 0:
        raise ServiceError("注入金额须大于零。")
    with transaction.atomic():
        locked = lock(programme)
        if (tx := existing(key)) is not None:
            return tx
        return post(
            programme=locked,
            kind=TxKind.FUND,
            key=key,
            year=year,
            actor=actor,
            memo=memo or "注入资金池",
            lines=[Line("budget", -amount), Line("pool", amount)],
        )


def grant(
    *,
    programme: VoucherProgramme,
    enterprise,
    amount: Decimal,
    key: str,
    year: int,
    order=None,
    actor=None,
    memo: str = "",
    cap_left=None,
) -> LedgerTransaction | None:
    """Move up to `amount` from the pool to the enterprise, never more than the pool holds nor
    (with `cap_left`, a function called under the lock) than the enterprise's remaining cap.
    Returns the transaction (None when nothing could be granted)."""
    with transaction.atomic():
        locked = lock(programme)
        if (tx := existing(key)) is not None:
            return tx
        wanted = fen(amount)
        available = balance(locked, "pool")
        limit = min(wanted, available)
        if cap_left is not None:
            limit = min(limit, fen(cap_left()))
        if limit <= 0:
            return None
        return post(
            programme=locked,
            kind=TxKind.GRANT,
            key=key,
            year=year,
            actor=actor,
            enterprise=enterprise,
            order=order,
            memo=memo or "发放算力券",
            lines=[Line("pool", -limit), Line(granted_account(enterprise.pk), limit)],
        )


def granted_to_order(order) -> Decimal:
    """What is still held for an order: granted, less redeemed and released (reversals net)."""
    total = LedgerEntry.objects.filter(
        transaction__order=order, account=granted_account(order.application.enterprise_id)
    ).aggregate(s=Sum("amount"))
    return money(total["s"])


def with_balances(orders) -> list:
    """The orders with `held` (granted, not yet redeemed or released) and `redeemed` (spent
    against usage) set from the ledger, in one grouped query for the whole list."""
    orders = list(orders)
    sums: dict[int, dict[str, Decimal]] = {o.pk: {"granted": ZERO, "payable": ZERO} for o in orders}
    rows = (
        LedgerEntry.objects.filter(transaction__order__in=list(sums))
        .filter(Q(account__startswith="granted:") | Q(account__startswith="payable:"))
        .values("transaction__order_id", "account")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    for r in rows:
        sums[r["transaction__order_id"]][r["account"].split(":", 1)[0]] += money(r["s"])
    for o in orders:
        o.held = sums[o.pk]["granted"]
        o.redeemed = sums[o.pk]["payable"]
    return orders


def redeem(
    *,
    programme: VoucherProgramme,
    order,
    provider,
    amount: Decimal,
    key: str,
    year: int,
    usage=None,
    actor=None,
) -> LedgerTransaction | None:
    """Spend up to `amount` of what is held for the order, owed to the provider."""
    with transaction.atomic():
        locked = lock(programme)
        if (tx := existing(key)) is not None:
            return tx
        held = granted_to_order(order)
        spend = min(fen(amount), held)
        if spend <= 0:
            return None
        enterprise = order.application.enterprise
        return post(
            programme=locked,
            kind=TxKind.REDEEM,
            key=key,
            year=year,
            actor=actor,
            enterprise=enterprise,
            order=order,
            usage=usage,
            memo=f"核销：订单 #{order.pk}",
            lines=[
                Line(granted_account(enterprise.pk), -spend),
                Line(payable_account(provider.pk), spend),
            ],
        )


def release(*, programme: VoucherProgramme, order, key: str, year: int, actor=None):
    """Give back to the pool what an order holds and will not use."""
    with transaction.atomic():
        locked = lock(programme)
        if (tx := existing(key)) is not None:
            return tx
        held = granted_to_order(order)
        if held <= 0:
            return None
        enterprise = order.application.enterprise
        return post(
            programme=locked,
            kind=TxKind.RELEASE,
            key=key,
            year=year,
            actor=actor,
            enterprise=enterprise,
            order=order,
            memo=f"订单 #{order.pk} 未用额度退回资金池",
            lines=[Line(granted_account(enterprise.pk), -held), Line("pool", held)],
        )


def reverse(*, tx: LedgerTransaction, actor=None, memo: str = "") -> LedgerTransaction:
    """Book the opposite of a transaction (a correction); a transaction is reversed once."""
    with transaction.atomic():
        locked = lock(tx.programme_id)
        key = f"reverse:{tx.pk}"
        if (done := existing(key)) is not None:
            return done
        lines = [Line(e.account, -e.amount) for e in tx.entries.all()]
        return post(
            programme=locked,
            kind=TxKind.REVERSE,
            key=key,
            year=tx.year,
            actor=actor,
            enterprise=tx.enterprise,
            order=tx.order,
            usage=tx.usage,
            reverses=tx,
            memo=memo or f"冲正：{tx.get_kind_display()} #{tx.pk}",
            lines=lines,
        )


def used_by(programme: VoucherProgramme | int, enterprise_id: int, year: int) -> Decimal:
    """What an enterprise has taken from the pool in a year, net of what went back (releases,
    reversals): the part of its annual cap already used. It is minus the pool's movements in
    the enterprise's transactions of that year (a redemption does not touch the pool)."""
    pk = programme if isinstance(programme, int) else programme.pk
    total = LedgerEntry.objects.filter(
        programme_id=pk,
        account="pool",
        transaction__year=year,
        transaction__enterprise_id=enterprise_id,
    ).aggregate(s=Sum("amount"))
    return -money(total["s"])


def check(programme: VoucherProgramme | int) -> list[str]:
    """The ledger's invariants, as a list of what is wrong (empty when it balances): every
    transaction sums to zero, no account but `budget` is negative, the pool and what was
    granted, redeemed and paid add up to what was funded."""
    pk = programme if isinstance(programme, int) else programme.pk
    problems = []
    sums = (
        LedgerEntry.objects.filter(programme_id=pk)
        .values("transaction_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    problems += [
        f"账务 #{r['transaction_id']} 借贷不平：{money(r['s'])}" for r in sums if money(r["s"])
    ]
    all_balances = balances(pk)
    for account, value in all_balances.items():
        if account != "budget" and value < 0:
            problems.append(f"账户 {account} 余额为负：{value}")
    if sum(all_balances.values(), ZERO) != ZERO:
        problems.append("全部账户合计不为零")
    return problems

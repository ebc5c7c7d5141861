"""A synthetic but realistic receivables portfolio, generated column-wise and deterministic per seed.

Customers come from four trades (B2B supply, dental, medical, contracting) and behave like one of five
payer types: prompt payers, the chronically late, partial payers, disputers and defaulters. Their
invoices, payments and credit notes follow from that behaviour up to the as-of date; nothing is dated
after it. Contact details use reserved example domains and the fictional 555-01XX phone range, so the
demo can never reach a real person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from faker import Faker

# (city, state, ZIP, area code): real places across the US time zones, DST and no-DST states included.
CITIES = [
    ("New York", "NY", "10001", "212"),
    ("Brooklyn", "NY", "11201", "718"),
    ("Boston", "MA", "02110", "617"),
    ("Worcester", "MA", "01608", "508"),
    ("Philadelphia", "PA", "19103", "215"),
    ("Newark", "NJ", "07102", "973"),
    ("Baltimore", "MD", "21201", "410"),
    ("Atlanta", "GA", "30303", "404"),
    ("Miami", "FL", "33130", "305"),
    ("Orlando", "FL", "32801", "407"),
    ("Charlotte", "NC", "28202", "704"),
    ("Detroit", "MI", "48226", "313"),
    ("Columbus", "OH", "43215", "614"),
    ("Chicago", "IL", "60601", "312"),
    ("Milwaukee", "WI", "53202", "414"),
    ("Minneapolis", "MN", "55401", "612"),
    ("St. Louis", "MO", "63101", "314"),
    ("Dallas", "TX", "75201", "214"),
    ("Houston", "TX", "77002", "713"),
    ("Austin", "TX", "78701", "512"),
    ("Nashville", "TN", "37203", "615"),
    ("New Orleans", "LA", "70112", "504"),
    ("Denver", "CO", "80202", "303"),
    ("Salt Lake City", "UT", "84101", "801"),
    ("Phoenix", "AZ", "85004", "602"),
    ("Tucson", "AZ", "85701", "520"),
    ("Albuquerque", "NM", "87102", "505"),
    ("Las Vegas", "NV", "89101", "702"),
    ("Los Angeles", "CA", "90012", "213"),
    ("San Diego", "CA", "92101", "619"),
    ("San Francisco", "CA", "94103", "415"),
    ("Sacramento", "CA", "95814", "916"),
    ("Portland", "OR", "97204", "503"),
    ("Seattle", "WA", "98101", "206"),
    ("Spokane", "WA", "99201", "509"),
    ("Anchorage", "AK", "99501", "907"),
    ("Honolulu", "HI", "96813", "808"),
    ("Hilo", "HI", "96720", "808"),
]
STREETS = [
    "Main",
    "Oak",
    "Maple",
    "Cedar",
    "Elm",
    "Pine",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Sunset",
    "Lincoln",
    "Jackson",
    "River",
    "Highland",
    "Church",
    "Walnut",
    "Chestnut",
    "Spring",
    "Ridge",
]
STREET_TYPES = ["St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Way", "Ct"]

TRADES = np.array(["b2b", "dental", "medical", "contractor"])
TRADE_WEIGHTS = np.array([0.35, 0.25, 0.2, 0.2])
BEHAVIOURS = np.array(["prompt", "late", "partial", "disputer", "defaulter"])
BEHAVIOUR_WEIGHTS = np.array([0.5, 0.26, 0.1, 0.08, 0.06])
# Invoice amount (dollars): lognormal median and spread per trade.
AMOUNT_MEDIAN = {"b2b": 1800.0, "dental": 320.0, "medical": 260.0, "contractor": 6500.0}
AMOUNT_SIGMA = {"b2b": 0.9, "dental": 0.8, "medical": 0.9, "contractor": 0.8}
TERMS = {"b2b": [30, 45, 60], "dental": [0, 15, 30], "medical": [30], "contractor": [15, 30]}
HISTORY_DAYS = 540


@dataclass(frozen=True, slots=True)
class DemoSpec:
    customers: int
    invoices: int
    seed: int
    as_of: date


@dataclass(slots=True)
class Portfolio:
    """Frames ready for the ledger tables, with ids assigned (``*_pk``) from 1."""

    customers: pl.DataFrame
    contacts: pl.DataFrame
    invoices: pl.DataFrame
    payments: pl.DataFrame
    credit_notes: pl.DataFrame
    allocations: pl.DataFrame


def generate(spec: DemoSpec) -> Portfolio:
    rng = np.random.default_rng(spec.seed)
    customers = _customers(spec, rng)
    contacts = _contacts(customers, rng)
    invoices = _invoices(spec, customers, rng)
    payments, credit_notes, allocations, invoices = _settle(spec, customers, invoices, rng)
    return Portfolio(customers, contacts, invoices, payments, credit_notes, allocations)


def _customers(spec: DemoSpec, rng: np.random.Generator) -> pl.DataFrame:
    n = spec.customers
    fake = Faker("en_US")
    fake.seed_instance(spec.seed)
    pool = min(n, 4000)
    companies = np.array([fake.company() for _ in range(pool)])
    firsts = np.array([fake.first_name() for _ in range(min(n, 800))])
    lasts = np.array([fake.last_name() for _ in range(min(n, 800))])
    trade = rng.choice(TRADES, size=n, p=TRADE_WEIGHTS)
    behaviour = rng.choice(BEHAVIOURS, size=n, p=BEHAVIOUR_WEIGHTS)
    is_person = np.isin(trade, ["dental", "medical"]) & (rng.random(n) < 0.9)
    first = firsts[rng.integers(0, len(firsts), n)]
    last = lasts[rng.integers(0, len(lasts), n)]
    company = companies[rng.integers(0, len(companies), n)]
    ids = np.arange(1, n + 1)
    names = np.where(is_person, np.char.add(np.char.add(first, " "), last), company)
    terms = np.empty(n, dtype=np.int64)
    for t in TRADES:
        mask = trade == t
        terms[mask] = rng.choice(TERMS[t], size=mask.sum())
    return pl.DataFrame(
        {
            "customer_pk": ids,
            "external_id": [f"C{i:06d}" for i in ids],
            "name": names,
            "kind": np.where(is_person, "person", "business"),
            "segment": trade,
            "terms_days": terms,
            "behaviour": behaviour,
            "first": first,
            "last": last,
            "city_index": rng.integers(0, len(CITIES), n),
        }
    )


def _contacts(customers: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = customers.height
    cities = pl.DataFrame(CITIES, schema=["city", "state", "zip", "area"], orient="row").with_row_index("city_index")
    c = customers.join(
        cities.with_columns(pl.col("city_index").cast(pl.Int64)),
        on="city_index",
        how="left",
        maintain_order="left",
    )
    street_no = rng.integers(1, 9999, n)
    street = np.array(STREETS)[rng.integers(0, len(STREETS), n)]
    street_type = np.array(STREET_TYPES)[rng.integers(0, len(STREET_TYPES), n)]
    unit = np.where(rng.random(n) < 0.2, np.char.add("Apt ", rng.integers(1, 40, n).astype(str)), "")
    line1 = np.char.upper(
        np.char.add(np.char.add(np.char.add(street_no.astype(str), " "), street), np.char.add(" ", street_type))
    )
    c = c.with_columns(
        pl.Series("line1", line1),
        pl.Series("line2", np.char.upper(unit)),
        pl.Series("line_no", rng.integers(100, 200, n)),
    )
    person = pl.col("kind") == "person"
    email = (
        pl.when(person)
        .then(
            pl.concat_str(
                pl.col("first").str.to_lowercase(),
                pl.lit("."),
                pl.col("last").str.to_lowercase(),
                pl.col("customer_pk").cast(pl.String),
                pl.lit("@example.com"),
            )
        )
        .otherwise(pl.concat_str(pl.lit("ap"), pl.col("customer_pk").cast(pl.String), pl.lit("@example.org")))
    )
    phone = pl.concat_str(pl.lit("+1"), pl.col("area"), pl.lit("55501"), pl.col("line_no").cast(pl.String).str.slice(1))
    one_line = pl.concat_str(
        [
            pl.col("line1"),
            pl.when(pl.col("line2") != "").then(pl.col("line2")),
            pl.col("city").str.to_uppercase(),
            pl.col("state") + pl.lit(" ") + pl.col("zip"),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    base = c.select(
        "customer_pk",
        "line1",
        "line2",
        "city",
        "state",
        "zip",
        email.alias("email"),
        phone.alias("phone"),
        one_line.alias("address"),
    )
    emails = base.select("customer_pk", pl.lit("email").alias("kind"), pl.col("email").alias("value"))
    phones = base.select("customer_pk", pl.lit("phone").alias("kind"), pl.col("phone").alias("value"))
    addresses = base.select(
        "customer_pk",
        pl.lit("address").alias("kind"),
        pl.col("address").alias("value"),
        "line1",
        "line2",
        pl.col("city").str.to_uppercase().alias("city"),
        pl.col("state").alias("region"),
        pl.col("zip").alias("postal_code"),
        pl.lit("US").alias("country"),
    )
    contacts = pl.concat([emails, phones, addresses], how="diagonal").with_columns(
        pl.col(c).fill_null("") for c in ("line1", "line2", "city", "region", "postal_code", "country")
    )
    return contacts.with_columns(pl.col("value").alias("raw"))


def _invoices(spec: DemoSpec, customers: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n, m = customers.height, spec.invoices
    trade = customers["segment"].to_numpy()
    weight = np.where(np.isin(trade, ["b2b"]), 3.0, 1.0) * rng.gamma(2.0, 1.0, n)
    counts = np.ones(n, dtype=np.int64) + rng.multinomial(m - n, weight / weight.sum())
    owner = np.repeat(np.arange(n), counts)
    age = np.minimum((rng.beta(1.0, 1.25, m) * HISTORY_DAYS).astype(np.int64), HISTORY_DAYS)
    issue = np.datetime64(spec.as_of) - age.astype("timedelta64[D]")
    terms = customers["terms_days"].to_numpy()[owner]
    trade_of = trade[owner]
    median = np.vectorize(AMOUNT_MEDIAN.get)(trade_of)
    sigma = np.vectorize(AMOUNT_SIGMA.get)(trade_of)
    amount = np.maximum(np.round(median * np.exp(sigma * rng.standard_normal(m)) * 100), 500).astype(np.int64)
    order = np.lexsort((issue, owner))
    owner, issue, terms, amount = owner[order], issue[order], terms[order], amount[order]
    behaviour = customers["behaviour"].to_numpy()[owner]
    disputed = (behaviour == "disputer") & (rng.random(m) < 0.3) | (rng.random(m) < 0.005)
    year = issue.astype("datetime64[Y]").astype(int) + 1970
    return pl.DataFrame(
        {
            "invoice_pk": np.arange(1, m + 1),
            "customer_pk": owner + 1,
            "number": [f"INV-{y}-{i:07d}" for y, i in zip(year, range(1, m + 1), strict=True)],
            "issue_date": issue.astype("datetime64[D]"),
            "due_date": (issue + terms.astype("timedelta64[D]")).astype("datetime64[D]"),
            "terms_days": terms,
            "amount_cents": amount,
            "currency": "USD",
            "disputed": disputed,
            "behaviour": behaviour,
        }
    ).with_columns(pl.col("issue_date").cast(pl.Date), pl.col("due_date").cast(pl.Date))


def _settle(spec, customers, invoices, rng):
    """Payments, credit notes and allocations implied by each customer's behaviour, up to the as-of date."""
    m = invoices.height
    behaviour = invoices["behaviour"].to_numpy()
    due = invoices["due_date"].to_numpy().astype("datetime64[D]")
    issue = invoices["issue_date"].to_numpy().astype("datetime64[D]")
    amount = invoices["amount_cents"].to_numpy()
    disputed = invoices["disputed"].to_numpy()
    as_of = np.datetime64(spec.as_of)

    delay = np.select(
        [behaviour == "prompt", behaviour == "late", behaviour == "partial", behaviour == "disputer"],
        [
            rng.integers(-10, 6, m),
            rng.gamma(2.5, 16.0, m).astype(np.int64) + 5,
            rng.integers(0, 30, m),
            rng.gamma(2.0, 20.0, m).astype(np.int64),
        ],
        default=rng.gamma(2.0, 25.0, m).astype(np.int64),
    )
    # Defaulters pay their older invoices, then stop: each has a default date somewhere in its history.
    customer_default = as_of - rng.integers(30, HISTORY_DAYS, customers.height).astype("timedelta64[D]")
    stops = (behaviour == "defaulter") & (issue >= customer_default[invoices["customer_pk"].to_numpy() - 1])
    never = stops | (disputed & (rng.random(m) < 0.4)) | (rng.random(m) < 0.01)
    first_paid = np.maximum(due + delay.astype("timedelta64[D]"), issue)

    # Credit notes: a goodwill or correction credit on ~3% of invoices, more on disputed ones.
    credited = (rng.random(m) < 0.03) | (disputed & (rng.random(m) < 0.35))
    credit_amount = np.where(credited, np.maximum((amount * rng.uniform(0.05, 0.3, m)).astype(np.int64), 100), 0)
    credit_amount = np.minimum(credit_amount, amount)
    credit_date = issue + rng.integers(3, 45, m).astype("timedelta64[D]")
    credit_ok = credited & (credit_date <= as_of)
    credit_amount = np.where(credit_ok, credit_amount, 0)

    payable = amount - credit_amount
    partial = (behaviour == "partial") & ~never
    first_share = np.where(partial, rng.uniform(0.3, 0.7, m), 1.0)
    first_amount = np.where(never, 0, (payable * first_share).astype(np.int64))
    second_date = first_paid + rng.integers(20, 90, m).astype("timedelta64[D]")
    # Some partial payers leave a residual unpaid for good.
    second_amount = np.where(partial & (rng.random(m) < 0.75), payable - first_amount, 0)

    first_ok = (first_amount > 0) & (first_paid <= as_of)
    second_ok = (second_amount > 0) & (second_date <= as_of) & first_ok
    methods = np.array(["ach", "check", "card", "wire"])

    invoice_pk = invoices["invoice_pk"].to_numpy()
    customer_pk = invoices["customer_pk"].to_numpy()
    pay_invoice = np.concatenate([invoice_pk[first_ok], invoice_pk[second_ok]])
    pay_customer = np.concatenate([customer_pk[first_ok], customer_pk[second_ok]])
    pay_date = np.concatenate([first_paid[first_ok], second_date[second_ok]])
    pay_amount = np.concatenate([first_amount[first_ok], second_amount[second_ok]])
    p = len(pay_invoice)
    payments = pl.DataFrame(
        {
            "payment_pk": np.arange(1, p + 1),
            "customer_pk": pay_customer,
            "payment_date": pay_date,
            "amount_cents": pay_amount,
            "currency": "USD",
            "method": methods[rng.integers(0, len(methods), p)],
            "invoice_pk": pay_invoice,
        }
    ).with_columns(pl.col("payment_date").cast(pl.Date))
    payments = payments.with_columns(
        pl.concat_str(pl.lit("PMT-"), pl.col("payment_pk").cast(pl.String).str.zfill(8)).alias("reference"),
    ).with_columns(pl.concat_str(pl.lit("demo|"), pl.col("reference")).alias("external_key"))

    cn_index = np.flatnonzero(credit_amount > 0)
    credit_notes = pl.DataFrame(
        {
            "credit_note_pk": np.arange(1, len(cn_index) + 1),
            "customer_pk": customer_pk[cn_index],
            "number": [f"CN-{i:07d}" for i in range(1, len(cn_index) + 1)],
            "issue_date": credit_date[cn_index],
            "amount_cents": credit_amount[cn_index],
            "currency": "USD",
            "reason": np.where(disputed[cn_index], "Dispute resolution", "Goodwill credit"),
            "invoice_pk": invoice_pk[cn_index],
        }
    ).with_columns(pl.col("issue_date").cast(pl.Date))

    allocations = pl.concat(
        [
            payments.select(
                pl.col("invoice_pk").alias("invoice_id"),
                pl.col("payment_pk").alias("payment_id"),
                pl.lit(None, dtype=pl.Int64).alias("credit_note_id"),
                "amount_cents",
                pl.col("payment_date").alias("applied_on"),
            ),
            credit_notes.select(
                pl.col("invoice_pk").alias("invoice_id"),
                pl.lit(None, dtype=pl.Int64).alias("payment_id"),
                pl.col("credit_note_pk").alias("credit_note_id"),
                "amount_cents",
                pl.col("issue_date").alias("applied_on"),
            ),
        ]
    )
    settled = (
        allocations.sort("applied_on")
        .group_by("invoice_id")
        .agg(pl.col("amount_cents").sum().alias("applied"), pl.col("applied_on").max().alias("last_applied"))
    )
    invoices = invoices.join(settled, left_on="invoice_pk", right_on="invoice_id", how="left", maintain_order="left")
    invoices = invoices.with_columns(
        pl.col("applied").fill_null(0).alias("applied_cents"),
        pl.col("last_applied").alias("last_applied_on"),
        pl.when(pl.col("applied") == pl.col("amount_cents")).then(pl.col("last_applied")).alias("settled_on"),
    ).drop("applied", "last_applied")
    return payments, credit_notes, allocations, invoices

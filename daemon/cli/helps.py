"""What ``entsync --help`` and each ``entsync COMMAND --help`` say (issue 12):
per command, its one-liner (the list of commands), a paragraph on what it
does, and its exit codes in the words of daemon/cli/exits.py (README,
*Commands*). A data table: the parser (daemon/cli/parser.py) reads it."""

from __future__ import annotations

from typing import NamedTuple


class Help(NamedTuple):
    line: str  # one line in `entsync --help`
    what: str  # the description of `entsync COMMAND --help`
    exits: tuple[tuple[int, str], ...]


OK, ERROR = (0, "done"), (1, "an error: one line `entsync: error: …` on stderr, nothing recorded")
READ = (OK, (1, "an error (no such id, UAI or store; an unreadable configuration)"))
# A command whose answer is an import's result (events/usecases/result.py).
RESULT = (
    (0, "applied, or already applied (the same file again: nothing to do)"),
    ERROR,
    (2, "rejected, held, awaiting validation or cancelled: nothing applied"),
    (3, "applied, with some records rejected (listed)"),
)

SUMMARY = """\
exit codes (every command; each one's --help says which it uses):
  0  done (applied, shown, listed)
  1  an error: one line `entsync: error: …` on stderr; a usage error too
  2  rejected, held or awaiting an operator: nothing applied
  3  applied, with some records rejected

Times are read and shown in the configured zone (policy.timezone,
Europe/Paris by default): a --now without an offset is Paris time. --json
gives the data itself, times in ISO 8601 with their offset.
`entsync COMMAND --help` says what a command does."""

HELPS: dict[str, Help] = {
    "ingest": Help(
        "ingest an export: an AAF delivery, a SIECLE, STS-web or timetable export",
        "Read PATH — an AAF delivery (a directory of part files, a .zip or a .tgz), a SIECLE export "
        "(BEE_ELEVES, BEE_RESPONSABLES), an STS-web export or a timetable export, recognised by its content, "
        "not its name — and hand it to the import of its kind, which records what changed (or why it is "
        "rejected or held) at --now.\n\nWhat is no export at all (a mistyped path, the encrypted timetable "
        "envelope, SIECLE's nomenclatures, anything else) is answered in one line, exit 2, nothing recorded."
        "\n\n--dry-run says what the file would change — arrivals, departures, changes, the brakes that would "
        "hold it, the anomalies it would raise, its rejected records — and records nothing: the store is only "
        "read (its log is copied into memory and the import runs there), so a real ingest of the same file "
        "afterwards is applied as if the preview never ran. Exit 0 once the preview ran, even for a file that "
        "would be held or rejected.",
        (
            RESULT[0],
            ERROR,
            (2, "rejected, held or awaiting validation, or no export at all: nothing applied"),
            RESULT[3],
        ),
    ),
    "tick": Help(
        "record the transitions due now",
        "Record what has come due at --now: SIECLE precedence, account creations 48 h after first seen, "
        "Toussaint removals, guardians removed with their last child, deactivated duplicates deleted. "
        "--dry-run lists them with their reason and records nothing.",
        (OK, ERROR),
    ),
    "accounts": Help(
        "list accounts",
        "List the accounts of the directory with their state, login, due dates and anomalies, filtered by "
        "establishment, state or profile; --as-of shows them as they were at a past effective time (rebuilt "
        "from the log).",
        READ,
    ),
    "account": Help(
        "one account: state, dates, memberships, links",
        "Show one account, by its id (jointure) or login: state and dates, structures, classes and groups, "
        "the groups it was assigned to by hand (assigned), guardians or children, logins, fields set aside "
        "and anomalies; --as-of as it was at a past time.",
        READ,
    ),
    "history": Help(
        "every fact about one account, from every source",
        "List every fact about one account in effective-time order, one a line in aligned columns (coloured "
        "by source on a terminal): when, its source (aaf, siecle, timetable, admin, clock, upgrade), the "
        "state transition when the state moved, the event with its delivery or import, file and line, and "
        "anomaly flags (!overwrite_suspected, !set_aside…); the fields it changed, before -> after, under it. "
        "With the facts of the SIECLE records linked to the account (enrolment, changed fields, leaving date, "
        "guardians linked) and of the timetable imports of its establishments that match it; a departure "
        "SIECLE decided names the leaving date it rests on. The admin actions show their author and reason, "
        "the establishments' groups that name it are marked `groups`. --since: from that time on; --json: the "
        "complete records — the first tool for an account that was overwritten.",
        READ,
    ),
    "state": Help(
        "the directory as of an effective time",
        "Show the directory per establishment as it was at --as-of (rebuilt from the log; default: now): "
        "the number of accounts by state and profile, and each account with its profile, state, login and "
        "classes. --uai: only that establishment.",
        READ,
    ),
    "diff": Help(
        "one account at two effective times, and what changed",
        "Show one account at --from and at --to, folded from its facts up to each time: its state, login, "
        "identity attributes, structures, classes and groups, attachments; what differs between the two, "
        "and the facts recorded between them from every source.",
        READ,
    ),
    "explain": Help(
        "one account's state and why, its anomalies and what to do, in plain sentences",
        "Explain one account, by its id (jointure), login or account id, or by the person's name "
        '("NOM Prénom", either order; several accounts of that name are listed with their key, exit 1): who '
        "it is (profile, establishments, classes, login, state), why it is in that state (the rule and the "
        "fact it rests on, with its delivery or import, file and line: the AAF delivery it appeared in and "
        "its creation due 48 h after, SIECLE's first sighting, a complete delivery it left or SIECLE's leaving "
        "date and the removal at Toussaint with its notice, the duplicate it was deactivated for, the anomaly "
        "that suspends it), whether the creation is overdue judged at --now, the anomalies that name it with "
        "their label, id and decision, and what to do. --lang fr (default) or en; --json: the structured "
        "facts and the sentences.",
        READ,
    ),
    "person": Help(
        "export everything the store holds on one person (the RGPD right of access)",
        "export KEY: everything the store holds on one person as one JSON document — the account as "
        "`entsync account --json` shows it, its explanation, every fact from every source (AAF, SIECLE, "
        "timetable, administrators, the clock) as `entsync history --json` gives them, its links to guardians "
        "or students, its logins (current and reserved), the anomalies that name it, the records of theirs "
        "rejected, the SIECLE records linked to it with their whole identity — and a readable summary "
        "(`summary`, French by default, --lang en). KEY: a jointure, login or account id, or a SIECLE record "
        "as siecle:UAI:eleve:ELEVE_ID or siecle:UAI:responsable:PERSONNE_ID (a record linked to no account "
        "exports the record alone). A jointure retyped for another person (a confirmed overwrite) exports the "
        "generation the key names; the others are listed by id and state only. --out FILE writes the document "
        "to FILE with mode 0600 instead of standard output.",
        READ,
    ),
    "structures": Help(
        "list establishments",
        "List the establishments (structures) of the directory: UAI, type, name, accounts, where their groups "
        "get their members, whether the last delivery still held them.",
        READ,
    ),
    "group-source": Help(
        "where an establishment's groups get their members: siecle, timetable or manual",
        "Show where the groups of establishment UAI get their members (domain-rules §2: siecle through the "
        "AAF, the default; timetable, the applied timetable; manual), or record the operator's choice.",
        ((0, "shown or recorded"), (1, "an unknown establishment, or an error")),
    ),
    "classes": Help(
        "divisions and groups of one establishment",
        "List the divisions (classes) and groups of establishment UAI with their numbers of students and "
        "teachers; --members lists each one's members (jointure, profile, login, state).",
        READ,
    ),
    "deliveries": Help(
        "list deliveries, show one, release or reject a held one",
        "List the AAF deliveries received, show one (its counts, rejected records, and for a held one the "
        "brake per structure and population and who would depart), or release or reject a held delivery: "
        "the deltas waiting behind it follow, in order.",
        ((0, "listed, shown, rejected; or released and applied"), ERROR, *RESULT[2:]),
    ),
    "purge": Help(
        "hold or release removals (Toussaint, duplicates); status",
        "Hold the removals of accounts (while held, tick lists due removals as remove-held and records none), "
        "release the hold, or show whether removals are held, since when, by whom and why.",
        (OK, ERROR),
    ),
    "imports": Help(
        "timetable and STS-web imports: history, show one, match by hand, validate, cancel, retry",
        "The timetable and STS-web imports of the establishments: the history, newest first (status labels "
        "in French, as in the ENT consoles); one import with its matches and its bilan; its sessions; match "
        "by hand a teacher, student, class or group the import could not match; validate the first import "
        "of the year; cancel one awaiting validation; retry one rejected for its thresholds with named "
        "thresholds lifted for it only. An id may be given by an unambiguous prefix.",
        RESULT,
    ),
    "siecle": Help(
        "SIECLE exports: imports, unresolved links; show, release or reject a held one",
        "The SIECLE exports: their imports with status and reason, the records not linked to an account, "
        "one import (for one held by the leaving-date brake, who would depart), and release or reject a "
        "held import. Output names SIECLE keys, never names or birth dates.",
        RESULT,
    ),
    "anomalies": Help(
        "what operators must see: overdue creations, duplicates, couples, structures",
        "List what needs an operator: overdue creations, provisional removal dates, suspected duplicates "
        "and overwrites, couples typed as one guardian, fields set aside, structures whose code fails its "
        "check letter, people attached to structures the directory does not hold or the ENT does not serve, "
        "accounts an operator marked duplicates (with the source still delivering them), manual or guest "
        "accounts of a person the AAF carries, teachers without classes and pupils without a class (with the "
        "source that lacks them). Each row has its label and the operator's action (--lang fr|en); filter by "
        "--uai, --kind and --since; overdue creations are judged at --now (default: the clock, on a simulation "
        "store its last recorded time). "
        "`entsync anomalies confirm|dismiss ID --reason R` records an operator's decision on a suspected "
        "overwrite (ID: the 8 characters its detail starts with): confirmed, the account departs and the "
        "record gets a new account with its own login; dismissed, a suspension ends (suspend_on_overwrite).",
        READ,
    ),
    "duplicates": Help(
        "suspected duplicates, scored, best first",
        "List the pairs of accounts of one profile family that may be one person (a record typed twice in "
        "SIECLE, a guardian not rapproché across siblings), within and across establishments, best first: "
        "the score (0..1), both accounts (jointure, login, establishments, state), the reasons (names, birth "
        "date, a guardian's e-mail, phone, address, children) and the decision (open, dismissed, confirmed; "
        "transfer: a pupil who left one establishment for another under a new jointure, not a duplicate). "
        "Decide with `entsync anomalies confirm|dismiss ID --reason R`: confirmed, the account delivered "
        "later is marked a duplicate of the other (deactivated, deleted after duplicate_deletion_days); "
        "dismissed, the pair is no longer listed.",
        READ,
    ),
    "verify": Help(
        "compare the read models with a rebuild from the log",
        "Rebuild the three read models (directory, timetable imports, SIECLE) from the log under a prefix "
        "and compare them with the live ones, row by row, table by table; also report the steps that follow "
        "a recorded fact and did not run (the next tick runs them).",
        ((0, "equal, and no follow-up step left"), (1, "a table differs, a follow-up step did not run, or an error")),
    ),
    "run": Help(
        "run the service: inbox, scheduler, metrics and API",
        "Run the service until SIGTERM: the inbox watched for exports, the scheduler that ticks when "
        "transitions come due, the Prometheus metrics and the HTTP API; optionally the Kafka consumer of "
        "deliveries and the publisher of domain events.",
        ((0, "stopped by SIGTERM or SIGINT"), (1, "could not start (configuration, store, listen address)")),
    ),
    "outbound": Help(
        "publish to Kafka the domain events not yet sent",
        "Publish the domain events not yet sent to the outbound topic, in log order, and record the "
        "position once the broker acknowledged them (what `entsync run` does after each catch-up).",
        ((0, "sent (perhaps none)"), (1, "no Kafka brokers configured, or an error")),
    ),
    "publish": Help(
        "send an AAF delivery to the deliveries topic (distributed mode)",
        "Send the AAF delivery at PATH to the deliveries topic: a begin marker to every partition, every "
        "record keyed by category and jointure, then an end marker with each partition's record count. "
        "The daemons consuming the topic ingest it.",
        ((0, "sent"), (1, "no Kafka brokers configured, or an error"), (2, "not a delivery that can be sent")),
    ),
    "consume": Help(
        "consume the deliveries topic and ingest complete deliveries",
        "Consume the deliveries topic in a consumer group, storing what is consumed with its offsets, and "
        "ingest each delivery once complete, until SIGTERM or --idle-exit seconds without a message.",
        ((0, "stopped (SIGTERM, or idle for --idle-exit)"), ERROR),
    ),
    "store": Help(
        "create a store, show what it is and its clock, or upgrade it",
        "init declares a new store, production or --simulation (whose --now may be any time); info shows "
        "its kind, its facts, its last recorded time and the wall clock; upgrade applies this release's "
        "rules to a store built by an earlier one (--dry-run says what it would correct).",
        (OK, ERROR),
    ),
    "backup": Help(
        "copy a SQLite store into a backup file, online (PostgreSQL: pg_dump -Fc)",
        "Copy the SQLite store, event log and read models, into OUT with SQLite's online backup: one "
        "consistent state even while the service writes. The copy is made under a temporary name beside OUT, "
        "checked (PRAGMA integrity_check) and renamed: OUT is never half written. Says its size, the log's "
        "last position in it and the time. A PostgreSQL store is refused with the pg_dump command that backs "
        "it up (README, Backup and restore).",
        (OK, ERROR),
    ),
    "restore": Help(
        "replace a SQLite store with a backup, keys destroyed since kept destroyed",
        "Check BACKUP (an entsync store, whole), then with --yes replace the store's file with it in one "
        "rename; the replaced file is kept as STORE.before-restore-TIME unless --discard-current. The keys "
        "destroyed in the replaced store (erased persons) are destroyed again in the restored one before it "
        "takes the store's place, so that a backup never brings back an erased person; the read models are "
        "then rebuilt from the log. Refused while another process (a running service) has the store open. "
        "A PostgreSQL store: pg_restore between `entsync erasures export` and `entsync erasures reapply` "
        "(README, Backup and restore).",
        ((0, "restored"), (1, "an error, a store in use, or no --yes: nothing replaced")),
    ),
    "erasures": Help(
        "erasures of personal data: due, recorded; the destroyed keys exported or destroyed again",
        "preview lists the erasures due at --now (default: the clock), those held by the operator's hold on "
        "purges included: account id, jointure, state, when the person went (removal or leaving) and when the "
        "retention (policy erasure_retention_days) ends — ids and dates, never a name; the tick records them; "
        "then the deliveries and imports whose details (rejection messages, people not matched, STS "
        "identities) are due the same retention after they were received: stream id, kind (aaf, siecle, "
        "timetable), when received, when due. "
        "list shows the erasures recorded: account id, jointure, when, how many keys destroyed. "
        "export FILE writes the keys the store has destroyed (erased persons) as a JSON list of key_id, "
        "subject and destroyed_at — ids and times, no personal data; reapply FILE destroys them again in "
        "the store (a restored PostgreSQL backup) and rebuilds the read models when one was live there.",
        (OK, ERROR),
    ),
    "tokens": Help(
        "the API's bearer tokens: create one (its secret shown once), list, revoke",
        "Create a bearer token of the HTTP API with a role (reader, etab-admin, operator) and, for reader "
        "and etab-admin, the establishments it covers; its secret is printed once, at creation, and only "
        "its digest is kept. List the tokens, or revoke one.",
        (OK, ERROR),
    ),
    "admin": Help(
        "administrators' actions, audited: accounts, logins, free groups, duplicates",
        "The administrators' actions, each recorded in the log with its author (--operator, default the "
        "system user), its reason and its effective time. create-account: a manual account for a person the "
        "AAF does not carry, refused when the person has or is about to get one; rename-login: rename an "
        "account's login, the old one kept as an alias; group: free groups and members assigned by hand; "
        "mark-duplicate, unmark-duplicate: an account deactivated as a duplicate of another, deleted after "
        "the configured delay; attach, detach: an account listed in another establishment until an end "
        "date; merge, unmerge: two accounts of one person shown as one, and taken apart again. `entsync admin "
        "ACTION --help` says more.",
        (OK, ERROR),
    ),
    "config": Help(
        "check the configuration and print the effective one (no secrets)",
        "Read the configuration (--config FILE or ENTSYNC_CONFIG, then the ENTSYNC_<KEY> variables, then "
        "--store) and print the effective one with the store's password hidden; an invalid value names its "
        "key and where it came from.",
        ((0, "the configuration is valid"), (1, "it is not: the message names the key")),
    ),
    "generate": Help("write a synthetic académie (AAF deliveries and the other exports)", "", ()),
}

# The actions of `entsync admin` (daemon/cli/admin_commands.py).
ADMIN_HELPS: dict[str, Help] = {
    "rename-login": Help(
        "rename an account's login; the old one stays an alias",
        "Rename the login of the account KEY (its jointure, a login, current or alias, or its id) to "
        "NEW_LOGIN, recorded at --now with its author and --reason (required). The old login stays reserved "
        "to the account as an alias: `entsync account OLD` still finds it. NEW_LOGIN has the shape of the "
        "generated logins (domain-rules §6): 2 to 64 characters, lower case letters, digits, '.', '-' and "
        "'_', starting and ending with a letter or a digit, no '..'. Refused, with the reason, when "
        "NEW_LOGIN is malformed, is the account's login already, is another account's login, or was ever "
        "reserved in the directory (an alias, a removed account's: logins are never reused); and for an "
        "account without a login yet (pending) or removed.",
        (
            (0, "renamed"),
            (1, "refused (the reason says why), or an error: one line `entsync: error: …`, nothing recorded"),
        ),
    ),
    "create-account": Help(
        "create a manual account for a population the AAF does not carry",
        "Create a manual account (domain-rules §1) of CATEGORY — social_worker (NON_ENSEIGNANT, free group "
        "Médico-social), attee (PERSONNEL_COLLECTIVITE, Agents), external_tutor (NON_ENSEIGNANT, Tuteurs), "
        "apprentice (ELEVE, Apprentis), guest (AUTRE, Invités) — in the establishment --uai, active at "
        "once with a login made as the generated ones (prenom.nom, a suffix from 2 on a collision), until "
        "--until (the clock removes it then) or --perenne, and a member of its category's free group, "
        "created with it when the establishment has none of that name (code MEDSOC, AGENTS, TUTEURS, "
        "APPRENTI or INVITES; numbered from 2 when taken); the membership ends when the account is removed. "
        "Recorded at --now with its author. Refused when "
        "the person matches an account of the directory, existing or pending, or an enrolled SIECLE "
        "student (same normalised name and birth date, or the same académie e-mail): the error names the "
        "account, its state and when its creation is due, since two ENT accounts of one person can never "
        "be merged. --force-match with a --reason creates it anyway, recorded with the accounts it "
        "overrides.",
        (
            (0, "created"),
            (1, "refused (the reason says why), or an error: one line `entsync: error: …`, nothing recorded"),
        ),
    ),
    "mark-duplicate": Help(
        "mark an account a duplicate of another: deactivated, then deleted",
        "Mark the account KEY (its jointure, a login or its id) a duplicate of the account --of, recorded "
        "at --now with its author and --reason (required) (domain-rules §5). KEY is deactivated at once and "
        "deleted by the clock the configured number of days later (duplicate_deletion_days, default 42) "
        "unless the mark is undone. The mark is sticky: a delivery that still carries KEY leaves it "
        "deactivated, and `entsync account KEY` and `entsync anomalies` show the mark with the source that "
        "still delivers it; the deletion comes at its date all the same. Refused, with the reason, for an "
        "account that is not active, already marked, or itself, and when --of is not active, pending or "
        "departing.",
        (
            (0, "marked"),
            (1, "refused (the reason says why), or an error: one line `entsync: error: …`, nothing recorded"),
        ),
    ),
    "attach": Help(
        "attach an account to another establishment until an end date",
        "Attach the account KEY (its jointure, a login or its id) to the establishment UAI until --until "
        "(a teacher who also works elsewhere), recorded at --now with its author and --reason (required). "
        "The account is then listed in UAI's accounts, marked as attached, and the clock ends the attachment "
        "at its end date. A later AAF delivery does not end it, and the AAF's own attachments stay the "
        "AAF's. Attaching again to the same UAI changes the end date. Refused, with the reason, for an "
        "account that is not active or pending, a UAI that is already one of its establishments, unknown "
        "or not served, an end date not after now, or the same end date again.",
        (
            (0, "attached"),
            (1, "refused (the reason says why), or an error: one line `entsync: error: …`, nothing recorded"),
        ),
    ),
    "detach": Help(
        "end an account's attachment to another establishment before its end date",
        "End the attachment of the account KEY to the establishment UAI that an administrator made, "
        "recorded at --now with its author and --reason (required). Refused for an attachment of the AAF "
        "(the AAF's attachments stay the AAF's) and for a UAI the account is not attached to.",
        (
            (0, "ended"),
            (1, "refused (the reason says why), or an error: one line `entsync: error: …`, nothing recorded"),
        ),
    ),
    "merge": Help(
        "merge two accounts of one person (preview first with --dry-run)",
        "Merge the account ABSORBED into the account SURVIVOR (each: its jointure, a login or its id), "
        "recorded at --now with its author and --reason (required) (issue 14, domain-rules §1): a guest "
        "account created before the AAF one arrived, a guardian typed twice. Nothing of either account is "
        "rewritten: each source keeps writing to its own account, and the directory shows the absorbed "
        "account inside the survivor while the merge holds. The survivor keeps its login; the absorbed "
        "login becomes an alias that resolves to the survivor. The survivor shows the structures, "
        "memberships, attachments, guardian links and source identifiers of both. Where the two disagree "
        "(given_name, family_name, birth_date, mail) the survivor's value is shown unless --prefer "
        "FIELD=absorbed says otherwise; the choice is recorded. --dry-run shows all this and records "
        "nothing. Refused, with the reason, for an account merged into itself, a removed account, an "
        "absorbed account already merged or pending, a chain (a survivor that is itself absorbed, an "
        "absorbed account that absorbed others), and profiles that cannot be one person (a student merges "
        "with a student, a guardian with a guardian, staff and guests among themselves).",
        (
            (0, "merged, or previewed (--dry-run)"),
            (1, "refused (the reason says why), or an error: one line `entsync: error: …`, nothing recorded"),
        ),
    ),
    "unmerge": Help(
        "take a merge back: each account shown as its sources made it",
        "End the merge of the account KEY (either side: its jointure, a login or its id), recorded at --now "
        "with its author and --reason (required). Each account then shows what it would have had without "
        "the merge, later deliveries to each side included, and the alias resolves to its own account "
        "again. The actions taken while merged (on the survivor, to which the absorbed account's keys "
        "resolved) stay with the survivor: --dry-run lists them, with their author and time, and records "
        "nothing. Refused when KEY is not merged, or absorbed several accounts (give the absorbed one).",
        (
            (0, "unmerged, or previewed (--dry-run)"),
            (1, "refused (the reason says why), or an error: one line `entsync: error: …`, nothing recorded"),
        ),
    ),
    "unmark-duplicate": Help(
        "undo a duplicate mark before the deletion",
        "Undo the duplicate mark of the account KEY, recorded at --now with its author and --reason "
        "(required): the account is active again with its login. Refused when KEY has no mark (a duplicate "
        "a complete delivery corrected is no mark), was deleted already, or is no longer delivered by any "
        "source (it would only depart: it stays deactivated until deleted).",
        (
            (0, "undone"),
            (1, "refused (the reason says why), or an error: one line `entsync: error: …`, nothing recorded"),
        ),
    ),
}


def exits(codes: tuple[tuple[int, str], ...]) -> str:
    return "exit codes:\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in codes)

"""PostgreSQL triggers that keep a sealed 学年 unchanged for every path that is not a service:
raw SQL, the shell, a migration, another program on the database.

A 学年 is locked from the start of its seal (``credits_academicyear.sealing_started_at``) and
sealed at its end (``sealed_at``). Refused, with a Chinese message:
- INSERT, UPDATE, DELETE of entries (credits_creditentry), their audit rows
  (reviews_entrytransition), proof files (reviews_evidence), rosters (reviews_roster) and roster
  lines (reviews_rosterrow) of a locked 学年 — an UPDATE is checked against the old and the new
  学年, so nothing moves into or out of it;
- INSERT, UPDATE, DELETE of snapshots of a committed seal, UPDATE and DELETE of a committed seal
  record, any change of a sealed 学年's row and un-starting a seal;
- TRUNCATE of any of these tables while a 学年 is locked.
"""

GUARDED = {
    # table: how a row finds its 学年
    "credits_creditentry": "year",
    "reviews_roster": "year",
    "reviews_entrytransition": "entry",
    "reviews_evidence": "entry",
    "reviews_rosterrow": "roster",
}
TRUNCATE_GUARDED = [*GUARDED, "sealing_sealedsnapshot", "sealing_sealrecord", "credits_academicyear"]

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION jx_year_locked(year_id bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT year_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM credits_academicyear
        WHERE id = year_id AND (sealed_at IS NOT NULL OR sealing_started_at IS NOT NULL))
$$;

CREATE OR REPLACE FUNCTION jx_refuse(what text, year_id bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE label text;
BEGIN
    SELECT start_year || '-' || (start_year + 1) INTO label FROM credits_academicyear WHERE id = year_id;
    RAISE EXCEPTION '%学年已封存，不能再作任何修改（%）。', label, what USING ERRCODE = 'raise_exception';
END $$;

CREATE OR REPLACE FUNCTION jx_guard_year_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND jx_year_locked(OLD.academic_year_id) THEN
        PERFORM jx_refuse(TG_TABLE_NAME, OLD.academic_year_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND jx_year_locked(NEW.academic_year_id) THEN
        PERFORM jx_refuse(TG_TABLE_NAME, NEW.academic_year_id);
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION jx_guard_entry_child() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE y bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT academic_year_id INTO y FROM credits_creditentry WHERE id = OLD.entry_id;
        IF jx_year_locked(y) THEN PERFORM jx_refuse(TG_TABLE_NAME, y); END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT academic_year_id INTO y FROM credits_creditentry WHERE id = NEW.entry_id;
        IF jx_year_locked(y) THEN PERFORM jx_refuse(TG_TABLE_NAME, y); END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION jx_guard_roster_child() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE y bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT academic_year_id INTO y FROM reviews_roster WHERE id = OLD.roster_id;
        IF jx_year_locked(y) THEN PERFORM jx_refuse(TG_TABLE_NAME, y); END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT academic_year_id INTO y FROM reviews_roster WHERE id = NEW.roster_id;
        IF jx_year_locked(y) THEN PERFORM jx_refuse(TG_TABLE_NAME, y); END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION jx_guard_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
            SELECT 1 FROM sealing_sealrecord WHERE id = OLD.seal_id AND state = 'committed') THEN
        PERFORM jx_refuse('sealing_sealedsnapshot', OLD.academic_year_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND EXISTS (
            SELECT 1 FROM sealing_sealrecord WHERE id = NEW.seal_id AND state = 'committed') THEN
        PERFORM jx_refuse('sealing_sealedsnapshot', NEW.academic_year_id);
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION jx_guard_seal_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'committed' THEN
        PERFORM jx_refuse('sealing_sealrecord', OLD.academic_year_id);
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION jx_guard_academic_year() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.sealed_at IS NOT NULL
       OR (OLD.sealing_started_at IS NOT NULL AND (TG_OP = 'DELETE' OR NEW.sealing_started_at IS NULL
                                                    OR NEW.sealing_started_at <> OLD.sealing_started_at)) THEN
        PERFORM jx_refuse('credits_academicyear', OLD.id);
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION jx_guard_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE y bigint;
BEGIN
    SELECT id INTO y FROM credits_academicyear
    WHERE sealed_at IS NOT NULL OR sealing_started_at IS NOT NULL ORDER BY start_year LIMIT 1;
    IF y IS NOT NULL THEN PERFORM jx_refuse(TG_TABLE_NAME || ' TRUNCATE', y); END IF;
    RETURN NULL;
END $$;
"""

ROW_FUNCTION = {"year": "jx_guard_year_row", "entry": "jx_guard_entry_child", "roster": "jx_guard_roster_child"}


def install_sql() -> list[str]:
    out = [FUNCTIONS]
    for table, how in GUARDED.items():
        out.append(f"DROP TRIGGER IF EXISTS jx_sealed_rows ON {table};")
        out.append(f"CREATE TRIGGER jx_sealed_rows BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {ROW_FUNCTION[how]}();")
    out += [
        "DROP TRIGGER IF EXISTS jx_sealed_rows ON sealing_sealedsnapshot;",
        "CREATE TRIGGER jx_sealed_rows BEFORE INSERT OR UPDATE OR DELETE ON sealing_sealedsnapshot "
        "FOR EACH ROW EXECUTE FUNCTION jx_guard_snapshot();",
        "DROP TRIGGER IF EXISTS jx_sealed_rows ON sealing_sealrecord;",
        "CREATE TRIGGER jx_sealed_rows BEFORE UPDATE OR DELETE ON sealing_sealrecord "
        "FOR EACH ROW EXECUTE FUNCTION jx_guard_seal_record();",
        "DROP TRIGGER IF EXISTS jx_sealed_rows ON credits_academicyear;",
        "CREATE TRIGGER jx_sealed_rows BEFORE UPDATE OR DELETE ON credits_academicyear "
        "FOR EACH ROW EXECUTE FUNCTION jx_guard_academic_year();",
    ]
    for table in TRUNCATE_GUARDED:
        out.append(f"DROP TRIGGER IF EXISTS jx_sealed_truncate ON {table};")
        out.append(f"CREATE TRIGGER jx_sealed_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION jx_guard_truncate();")
    return out


def uninstall_sql() -> list[str]:
    out = []
    for table in [*GUARDED, "sealing_sealedsnapshot", "sealing_sealrecord", "credits_academicyear"]:
        out.append(f"DROP TRIGGER IF EXISTS jx_sealed_rows ON {table};")
    for table in TRUNCATE_GUARDED:
        out.append(f"DROP TRIGGER IF EXISTS jx_sealed_truncate ON {table};")
    for fn in ("jx_guard_year_row", "jx_guard_entry_child", "jx_guard_roster_child", "jx_guard_snapshot",
               "jx_guard_seal_record", "jx_guard_academic_year", "jx_guard_truncate"):
        out.append(f"DROP FUNCTION IF EXISTS {fn}();")
    out += ["DROP FUNCTION IF EXISTS jx_refuse(text, bigint);", "DROP FUNCTION IF EXISTS jx_year_locked(bigint);"]
    return out

-- The peer: what a council might build instead of tellonce, over the same
-- PostgreSQL database: the children and the current consent facts copied
-- from tellonce's tables into schema `peer`, and a row-level security policy
-- that lets the token's agency (PostGraphile's `jwt.claims.agency_id`) read a
-- child only while a current grant covers EDUCATION, the consent-governed
-- scope of the small read (tellonce shows identity to any agency with a
-- current basis; no grant names IDENTITY). Run by bench/run.sh with psql -v role=NAME.
--
-- Simplifications, in the peer's favour: grants to a kind of agency are
-- expanded to every agency of that kind once, at copy time; expiry is fixed
-- at copy time; there is no purpose, involvement, override, confirmation or
-- trace: the peer writes nothing per read.

\set ON_ERROR_STOP on
BEGIN;
CREATE SCHEMA peer;

CREATE TABLE peer.child (
  id uuid PRIMARY KEY,
  given_name text NOT NULL,
  family_name text NOT NULL,
  date_of_birth date NOT NULL,
  upn text,
  setting_name text,
  year_group text
);
INSERT INTO peer.child
SELECT c.id, c.given_name, c.family_name, c.date_of_birth, c.upn,
       p.edu_setting_name, p.edu_year_group
FROM public.child c LEFT JOIN public.child_profile p ON p.child_id = c.id;

-- Which agency may read which scope of which child, now.
CREATE TABLE peer.consent (
  agency_id uuid NOT NULL,
  child_id uuid NOT NULL REFERENCES peer.child (id),
  scope text NOT NULL,
  PRIMARY KEY (agency_id, child_id, scope)
);
INSERT INTO peer.consent
SELECT DISTINCT a.id, g.child_id, s.scope
FROM public.consent_grant g
JOIN public.consent_grant_scope s ON s.grant_id = g.id
JOIN public.agency a
  ON a.id = g.recipient_agency_id OR a.kind = g.recipient_agency_kind
WHERE a.retired_at IS NULL
  AND g.valid_from <= now()
  AND (g.valid_until IS NULL OR g.valid_until > now())
  AND NOT EXISTS (SELECT 1 FROM public.consent_withdrawal w WHERE w.grant_id = g.id)
  AND (NOT g.needs_family_confirmation
       OR EXISTS (SELECT 1 FROM public.consent_confirmation f WHERE f.grant_id = g.id));

ALTER TABLE peer.child ENABLE ROW LEVEL SECURITY;
CREATE POLICY child_by_consent ON peer.child FOR SELECT USING (
  EXISTS (SELECT 1 FROM peer.consent k
          WHERE k.agency_id = nullif(current_setting('jwt.claims.agency_id', true), '')::uuid
            AND k.child_id = child.id AND k.scope = 'EDUCATION')
);

CREATE ROLE :"role" NOLOGIN;
GRANT USAGE ON SCHEMA peer TO :"role";
GRANT SELECT ON peer.child TO :"role";
GRANT SELECT ON peer.consent TO :"role";
COMMIT;
ANALYZE peer.child;
ANALYZE peer.consent;

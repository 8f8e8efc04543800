-- Partner read, full: 27 fields over 6 scopes. A scope the agency may not
-- see answers null with CONSENT_REQUIRED or NOT_PERMITTED at its path: those
-- are expected (counted apart); any other error code is a failure.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

EXPECTED = { CONSENT_REQUIRED = true, NOT_PERMITTED = true }

local Q = '{"query":"query($id: ID!) { child(id: $id) { '
  .. 'identity { givenName familyName preferredName dateOfBirth homeLanguage communicationNeeds } '
  .. 'education { settingName settingPhase yearGroup senSupportPlan attendancePercent attainmentSummary } '
  .. 'senNeeds { provision ehcPlanStatus ehcPlanIssuedOn outcomes specialEducationalProvision } '
  .. 'physicalHealth { gpPractice healthCarePlan healthProvision } '
  .. 'communication { profile sltAdvice targets aac } '
  .. 'mentalHealth { camhsStatus referredOn involvementSummary } '
  .. '} }","variables":{"id":"%s"}}'

function request()
  local p = pick()
  return post(p.token, string.format(Q, p.child), "DIRECT_SUPPORT")
end

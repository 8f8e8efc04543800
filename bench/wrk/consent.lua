-- Family consent change: a family grants EDUCATION to schools, then
-- withdraws that grant. Grants made are queued (with the granting person,
-- whose token withdraws it); each request withdraws a queued grant if there
-- is one, else grants, so requests alternate grant / withdraw.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local GRANT = '{"query":"mutation($c: ID!) { grantConsent(input: { childId: $c, recipientAgencyKind: SCHOOL, scopes: [EDUCATION], purposes: [DIRECT_SUPPORT] }) { grantId grantorPersonId } }","variables":{"c":"%s"}}'
local WITHDRAW = '{"query":"mutation($g: ID!) { withdrawConsent(grantId: $g) { grantId } }","variables":{"g":"%s"}}'

local queue = {}
local by_person = {}

function shape_init()
  for _, p in ipairs(PAIRS) do by_person[p.person] = p.token end
end

function shape_response(status, body)
  if status == 200 and body:find('"grantConsent"', 1, true) then
    local grant = body:match('"grantId"%s*:%s*"([^"]+)"')
    local person = body:match('"grantorPersonId"%s*:%s*"([^"]+)"')
    if grant and person and by_person[person] then
      table.insert(queue, { grant = grant, token = by_person[person] })
    end
  end
end

function request()
  local w = table.remove(queue, 1)
  if w then
    return post(w.token, string.format(WITHDRAW, w.grant))
  end
  local p = pick()
  return post(p.token, string.format(GRANT, p.child))
end

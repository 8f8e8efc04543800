-- The peer's small read: PostGraphile's childById over peer.child (RLS by
-- the token's agency_id), the same 5 fields. A row RLS hides answers
-- null: that is a failure too (the pairs are children the agency may read).
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local Q = '{"query":"query($id: UUID!) { childById(id: $id) { givenName familyName dateOfBirth settingName yearGroup } }","variables":{"id":"%s"}}'

function shape_response(status, body)
  if status == 200 and body:find('"childById":null', 1, true) then
    failures = failures + 1
  end
end

function request()
  local p = pick()
  return post(p.token, string.format(Q, p.child))
end

-- Partner read, small: child(id) with 5 identity and education fields.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local Q = '{"query":"query($id: ID!) { child(id: $id) { identity { givenName familyName dateOfBirth } education { settingName yearGroup } } }","variables":{"id":"%s"}}'

function request()
  local p = pick()
  return post(p.token, string.format(Q, p.child), "DIRECT_SUPPORT")
end

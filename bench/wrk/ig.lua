-- IG search: accessTrace for one (random) child, first page of 50 entries.
dofile(os.getenv("BENCH_WRK") .. "/common.lua")

local Q = '{"query":"query($c: ID!) { accessTrace(filter: { childId: $c }, first: 50) { edges { node { seq recordedAt action outcome actorAgencyId purpose disclosed } } pageInfo { hasNextPage endCursor } } }","variables":{"c":"%s"}}'

function request()
  local p = pick()
  return post(p.token, string.format(Q, p.child))
end

-- wrk script for bench/latency.sh: a small partner read of one child's
-- record (identity and education, five fields) as a practitioner, with the
-- token and child from the environment. Every response is checked: one that
-- is not 200 or carries GraphQL errors is counted and reported by done(), so
-- a wrong token or a withheld field cannot pass for a fast request.
local token = os.getenv("TOKEN") or error("TOKEN is not set")
local child = os.getenv("CHILD") or error("CHILD is not set")

wrk.method = "POST"
wrk.path = "/graphql"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["X-Purpose-Of-Use"] = "DIRECT_SUPPORT"
wrk.body = '{"query":"{ child(id: \\"' .. child .. '\\") { identity { givenName familyName dateOfBirth } education { settingName yearGroup } } }"}'

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

bad = 0

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do
    total_bad = total_bad + thread:get("bad")
  end
  io.write(string.format("BAD_RESPONSES %d\n", total_bad))
  io.write(string.format("PCT %.0f %.0f %.0f %.0f %.0f\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end

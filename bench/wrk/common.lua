-- Shared by the bench/wrk/*.lua shapes (loaded with dofile by each).
--
-- BENCH_PAIRS names a file of tab-separated lines "token<TAB>child<TAB>person"
-- (person may be "-"): each request picks one line at random, so the load
-- mixes tokens across agency kinds and children across each agency's list.
-- A response counts as a failure when its status is not 200, or its body
-- has "errors" with an error code the shape does not expect (EXPECTED).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local function load_pairs(path)
  local pairs_ = {}
  local f = assert(io.open(path, "r"), "cannot open BENCH_PAIRS " .. tostring(path))
  for line in f:lines() do
    local token, child, person = line:match("^([^\t]+)\t([^\t]+)\t?([^\t]*)$")
    if token then
      table.insert(pairs_, { token = token, child = child, person = person })
    end
  end
  f:close()
  assert(#pairs_ > 0, "no pairs in " .. path)
  return pairs_
end

function init(args)
  PAIRS = load_pairs(os.getenv("BENCH_PAIRS"))
  math.randomseed(os.time() * 1000 + (id or 0))
  failures = 0
  expected_errors = 0
  if shape_init then shape_init() end
end

function pick()
  return PAIRS[math.random(#PAIRS)]
end

function post(token, body, purpose)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }
  if purpose then headers["X-Purpose-Of-Use"] = purpose end
  return wrk.format("POST", "/graphql", headers, body)
end

-- True when every error code in the body is one the shape expects.
function only_expected(body)
  local codes = 0
  for code in body:gmatch('"code"%s*:%s*"([A-Z_]+)"') do
    codes = codes + 1
    if not (EXPECTED and EXPECTED[code]) then return false end
  end
  return codes > 0
end

-- BENCH_SHOW_FAILURES=N prints the first N failing bodies of each thread.
local show = tonumber(os.getenv("BENCH_SHOW_FAILURES") or "0")

local function failed(status, body)
  failures = failures + 1
  if failures <= show then
    io.stderr:write("FAILED " .. status .. " " .. body:sub(1, 600) .. "\n")
  end
end

function check(status, body)
  if status ~= 200 then
    failed(status, body)
  elseif body:find('"errors"', 1, true) then
    if only_expected(body) then
      expected_errors = expected_errors + 1
    else
      failed(status, body)
    end
  end
end

function response(status, headers, body)
  check(status, body)
  if shape_response then shape_response(status, body) end
end

function done(summary, latency, requests)
  local f, x = 0, 0
  for _, t in ipairs(threads) do
    f = f + (t:get("failures") or 0)
    x = x + (t:get("expected_errors") or 0)
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p99_ms=%.2f failures=%d expected_errors=%d non2xx=%d socket_errors=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    f, x, e.status, e.connect + e.read + e.write + e.timeout))
end

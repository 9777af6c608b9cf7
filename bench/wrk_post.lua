-- wrk script for bench/sign_load.py: POST one distinct JSON body per request.
-- Arguments after "--": BODIES_FILE FIRST_LINE LINES AUTHORIZATION IDEMPOTENT(0|1)
-- Each wrk thread takes its own slice of the lines, so no two requests sign the same voter.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path, first, count = args[1], tonumber(args[2]), tonumber(args[3])
  auth, idempotent = args[4], args[5] == "1"
  local nthreads = tonumber(args[6])
  local share = math.floor(count / nthreads)
  local from = first + id * share
  bodies = {}
  local n = 0
  for line in io.lines(path) do
    n = n + 1
    if n > from + share then break end
    if n > from then table.insert(bodies, line) end
  end
  position = 0
  counter = 0
end

function request()
  position = position + 1
  if position > #bodies then position = 1 end  -- repeats answer 409: counted as errors
  counter = counter + 1
  local headers = { ["Content-Type"] = "application/json" }
  if auth ~= "" then headers["Authorization"] = auth end
  if idempotent then headers["Idempotency-Key"] = string.format("wrk-%d-%d-%d", id, counter, os.time()) end
  return wrk.format("POST", nil, headers, bodies[position])
end

function done(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"seconds\": %.3f, \"non2xx\": %d, \"errors\": %d, " ..
    "\"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f}\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end

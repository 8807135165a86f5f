-- wrk script for bench/floor.py: answer saves interleaved across candidates, as on an exam day.
--
-- FLOOR_KEYS names a file of keys, one a line: candidate index, attempt id, token, position,
-- and two valid values (JSON) for that question, tab-separated, ordered position by position
-- and candidate by candidate, so consecutive requests go to different candidates. Each wrk
-- thread takes the candidates whose index modulo FLOOR_THREADS is its own: one (attempt,
-- position) is only ever sent by one thread, so its seq rises.
--
-- seq = FLOOR_SEQ_BASE + (requests this thread built) * FLOOR_THREADS + thread number: rising
-- per (attempt, position), unique within a run, above every earlier run's. A 200 answer carries
-- the seq the server holds for that answer, which names the key it belongs to; done() writes
-- the highest acknowledged seq per key to FLOOR_ACKS ("line seq"), which floor.py compares
-- with the database, and prints one FLOOR_RESULT line of JSON.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   thread:set("nthreads", tonumber(os.getenv("FLOOR_THREADS")))
   thread:set("seq_base", tonumber(os.getenv("FLOOR_SEQ_BASE") or "0"))
   table.insert(threads, thread)
end

function init(args)
   keys = {}
   acked = {}     -- key line -> highest acknowledged seq (global: done() reads it)
   statuses = {}  -- status -> count (global: done() reads it)
   sent = {}      -- seq -> key line
   built = 0
   cursor = 0
   local line_no = 0
   for line in io.lines(os.getenv("FLOOR_KEYS")) do
      line_no = line_no + 1
      local candidate, attempt, token, position, a, b =
         line:match("^(%d+)\t(%d+)\t(%w+)\t(%d+)\t([^\t]*)\t([^\t]*)$")
      if tonumber(candidate) % nthreads == tid then
         keys[#keys + 1] = {
            line = line_no,
            path = "/api/attempts/" .. attempt .. "/answers/" .. position .. "/",
            headers = { ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json" },
            values = { a, b },
         }
      end
   end
end

function request()
   cursor = cursor % #keys + 1
   built = built + 1
   local key = keys[cursor]
   local seq = seq_base + built * nthreads + tid
   sent[seq] = key.line
   local body = '{"value":' .. key.values[seq % 2 + 1] .. ',"seq":' .. seq .. '}'
   return wrk.format("PUT", key.path, key.headers, body)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status == 200 then
      local seq = tonumber(body:match('"seq":(%d+)'))
      local line = seq and sent[seq]
      if line and (acked[line] or 0) < seq then
         acked[line] = seq
      end
   end
end

function done(summary, latency, requests)
   local out = io.open(os.getenv("FLOOR_ACKS"), "w")
   local counts = {}
   for _, thread in ipairs(threads) do
      for line, seq in pairs(thread:get("acked")) do
         out:write(line, " ", string.format("%d", seq), "\n")
      end
      for status, count in pairs(thread:get("statuses")) do
         counts[status] = (counts[status] or 0) + count
      end
   end
   out:close()
   local parts = {}
   for status, count in pairs(counts) do
      parts[#parts + 1] = string.format('"%d":%d', status, count)
   end
   local e = summary.errors
   io.write(string.format(
      'FLOOR_RESULT {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,' ..
      '"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"statuses":{%s}}\n',
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      table.concat(parts, ",")))
end

-- wrk script: POST /v1/calls to a number no carrier routes (the API accepts and stores each
-- call; an orchestrator, if one runs, fails it). Non-202 answers are counted and printed.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"to":"+4420790000000","from":"+15550001111","application":[{"verb":"hangup"}]}'

local other = 0
function response(status, headers, body)
  if status ~= 202 then other = other + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("non-202 responses (this thread): %d\n", other))
end

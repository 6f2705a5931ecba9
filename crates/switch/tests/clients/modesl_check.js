// The npm `modesl` ESL client against the switch: connect, authenticate, `api status`,
// originate a call to a sipp UAS, and follow its events until CHANNEL_HANGUP_COMPLETE.
// Usage: node modesl_check.js <esl port> <uas port>
const esl = require('modesl');
const [eslPort, uasPort] = process.argv.slice(2).map(Number);
const uuid = require('crypto').randomUUID();
const fail = (why) => { console.error('FAIL: ' + why); process.exit(1); };
setTimeout(() => fail('timed out'), 20000);
const conn = new esl.Connection('127.0.0.1', eslPort, 'ClueCon', () => {
  conn.api('status', (res) => {
    const body = res.getBody();
    if (!body.includes('UP ')) fail('status: ' + body);
    conn.subscribe(['CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE'], () => {
      conn.bgapi(`originate {origination_uuid=${uuid}}sofia/external/1000@127.0.0.1:${uasPort} &park()`, (job) => {
        const result = job.getBody();
        if (!result.startsWith('+OK ' + uuid)) fail('originate: ' + result);
      });
    });
  });
});
conn.on('error', (e) => fail('connection error ' + e));
conn.on('esl::event::CHANNEL_ANSWER::*', (e) => {
  if (e.getHeader('Unique-ID') !== uuid) return;
  setTimeout(() => conn.api('uuid_kill ' + uuid), 1100);
});
conn.on('esl::event::CHANNEL_HANGUP_COMPLETE::*', (e) => {
  if (e.getHeader('Unique-ID') !== uuid) return;
  const billsec = e.getHeader('variable_billsec');
  if (e.getHeader('Hangup-Cause') !== 'NORMAL_CLEARING') fail('cause ' + e.getHeader('Hangup-Cause'));
  console.log('OK modesl billsec=' + billsec);
  process.exit(0);
});

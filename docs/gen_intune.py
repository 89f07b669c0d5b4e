import json,subprocess
A='target/release/apprules'
settings=json.loads(subprocess.run([A,'settings','--json'],capture_output=True,text=True).stdout)
facts=json.loads(subprocess.run([A,'facts','--json'],capture_output=True,text=True).stdout)
def esc(x): return x.replace('|','\\|')
out=['# The bundled Intune iOS policy: settings, facts, decisions','',
'The reference of `rules/intune-ios.rules` (`use intune`), generated from the policy itself',
'(`apprules settings --json`, `apprules facts --json`; refresh with `python3 docs/gen_intune.py`);',
'`tests/cli.rs` checks that it names every setting and fact. The names and JSON shapes follow',
'the contract in the spec',
'(`shared/spec/intune-ios.md`). A JSON Schema of a facts document: `apprules facts --json-schema`.','',
'## Decisions','',
'| decision | hit policy | outcomes |','| --- | --- | --- |',
'| `launch` | priority (the most severe fires) | `allow` < `warn` < `reset_pin` < `block` < `wipe` |',
'| `access` | collect (printed as `steps`) | `set_device_passcode`, `pin`, `touch_id`, `face_id`, `change_pin`, `credentials` |',
'| `request` | priority, only when the facts hold a `request` | `allow` < `show` < `accept` < `open_in_edge` < `open_in_managed_browser` < `install_edge` < `rewrite` < `tag_org` < `encrypt` < `redact` < `suppress` < `reject` < `deny` |',
'','Every decision carries `reasons` (the rules that fired: setting, outcome, message, rule) and',
'`not_enforced` (settings an old Intune SDK skips).','',
'## Facts','','| fact | values | presence | meaning |','| --- | --- | --- | --- |']
for f in facts:
    out.append('| `%s` | %s | %s | %s |' % (f['name'], esc(f['values']), esc(f['presence']), esc(f['doc'])))
out+=['','A key no fact declares is an error with the closest name (`--allow-unknown-facts` reads past it).','','## Settings','','| setting | values | default | meaning |','| --- | --- | --- | --- |']
for s in settings:
    req=(' Enforced only when `%s`.' % esc(s['requires'])) if s.get('requires') else ''
    out.append('| `%s` | %s | `%s` | %s%s |' % (s['name'], esc(s['values']), esc(json.dumps(s['default'])), esc(s['doc']), req))
open('docs/intune.md','w').write('\n'.join(out)+'\n')

//! Writes a generated fleet as JSON lines, for the batch benchmark:
//! `cargo run --release --example fleet -- 1000000 > fleet.jsonl`, then
//! `time apprules eval --facts fleet.jsonl > /dev/null`.
//!
//! Records vary the OS and app versions, failed PIN attempts, time offline, jailbreak
//! state and threat level; half carry a request (send, copy or open_url).
use std::io::Write;

fn main() -> std::io::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    // A small deterministic generator (xorshift), so every run writes the same fleet.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let os = ["15.8.2", "16.7.8", "17.4.1", "17.5", "18.0.1"];
    let threat = ["secured", "low", "medium", "high"];
    let requests = [
        r#","request":{"kind":"send","channel":"open_in","target":{"scheme":"mailto","policy_managed":false,"mdm_managed":true}}"#,
        r#","request":{"kind":"copy","target":{"policy_managed":false},"chars":40}"#,
        r#","request":{"kind":"open_url","url":"https://contoso.sharepoint.com/sites/a"}"#,
    ];
    for i in 0..n {
        let request = if next(2) == 0 {
            requests[next(3) as usize]
        } else {
            ""
        };
        writeln!(
            out,
            r#"{{"device":{{"os_version":"{}","model":"iPhone15,{}","jailbroken":{},"mdm_enrolled":true,"passcode_set":true,"company_portal":true,"biometrics":"face_id","threat_level":"{}","open_in_managed_to_unmanaged":false,"browsers":["edge"]}},"app":{{"version":"4.{}.0","sdk_version":"19.1.0","multi_identity":true,"notification_restriction_supported":true}},"session":{{"account":"org","minutes_inactive":{},"minutes_offline":{},"failed_pin_attempts":{},"days_since_pin_change":12}}{}}}"#,
            os[next(5) as usize],
            i % 8,
            next(50) == 0,
            threat[next(4) as usize],
            2400 + next(20),
            next(120),
            next(2000),
            next(13),
            request,
        )?;
    }
    out.flush()
}

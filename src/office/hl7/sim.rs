//! The EHR's MLLP side for the demo (`frontdesk-office ehr-sim`): accepts connections,
//! reads every framed message with our reader and answers it `AA` (an unreadable one
//! `AR`), printing one line per message with its type and control id only (what the hub
//! sends is PHI, and the demo's terminal is no place for it, synthetic or not).

use crate::hl7::Parties;
use crate::hl7::message::{self, AckCode};
use crate::hl7::mllp::{FrameReader, MAX_MESSAGE, frame};
use jiff::Timestamp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves until the listener fails; `heard` is told of each message (its type, trigger
/// and control id) once answered.
pub async fn serve(
    listener: TcpListener,
    heard: impl Fn(&str) + Clone + Send + Sync + 'static,
) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(answer_all(stream, heard.clone()));
    }
}

fn parties() -> Parties {
    Parties {
        sending_application: "EHRSIM".into(),
        sending_facility: "EHRSIM".into(),
        receiving_application: "FRONTDESK".into(),
        receiving_facility: "FRONTDESK".into(),
    }
}

async fn answer_all(mut stream: TcpStream, heard: impl Fn(&str)) {
    let _ = stream.set_nodelay(true);
    let mut reader = FrameReader::new(MAX_MESSAGE);
    let mut buffer = vec![0u8; 16 * 1024];
    let mut answered = 0u64;
    loop {
        let Ok(read) = stream.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            return;
        }
        for item in reader.push(&buffer[..read]) {
            let Ok(bytes) = item else { return };
            answered += 1;
            let ack_id = format!("SIMACK{answered:08}");
            let at = Timestamp::now().strftime("%Y%m%d%H%M%S").to_string();
            let (ack, line) = match message::parse(&bytes) {
                Ok(parsed) => {
                    let h = &parsed.header;
                    (
                        message::ack(
                            &parties(),
                            Some(h),
                            &h.control_id,
                            AckCode::Accept,
                            None,
                            &ack_id,
                            &at,
                        ),
                        format!(
                            "{}^{} {} acknowledged",
                            h.message_type, h.trigger, h.control_id
                        ),
                    )
                }
                Err(error) => (
                    message::ack(
                        &parties(),
                        None,
                        "",
                        AckCode::Reject,
                        Some(&error),
                        &ack_id,
                        &at,
                    ),
                    format!("unreadable message refused: {error}"),
                ),
            };
            if stream.write_all(&frame(ack.as_bytes())).await.is_err() {
                return;
            }
            heard(&line);
        }
    }
}

//! The office's insurance set-up, read once at start: the payer list (CSV), the SMART
//! Health Card issuers it trusts (a folder of JWKS files), and the eligibility settings.
//! A bad file stops the office at start with the file, the line and the reason: a payer
//! list silently cut short would send patients to the desk for no visible cause.

use crate::api::{InsuranceReference, PayerListEntry, TrustedShcIssuer};
use crate::domain::{PayerId, PayerName};
use crate::eligibility::{InterchangeId, InterchangeParties, Npi, OrgName, ServiceTypeCode, Usage};
use crate::office::config::{ConfigError, EligibilityConfig, InsuranceConfig};
use crate::scan::shc::TrustedIssuers;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The payer list shipped for the demo and tests: synthetic payers only.
pub const DEFAULT_PAYERS: &str = include_str!("payers.csv");
/// Where the shipped payer list says it comes from in error messages.
const DEFAULT_PAYERS_NAME: &str = "(shipped payers.csv)";
/// Most payers a list may hold (a practice deals with dozens, a clearinghouse thousands).
const MAX_PAYERS: usize = 5000;
/// Largest JWKS file read.
const MAX_JWKS: u64 = 64 * 1024;

/// Why the insurance set-up was refused. Names the file and line, never a patient.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{file}: cannot read: {error}")]
    Read {
        file: PathBuf,
        error: std::io::Error,
    },
    #[error("{file} line {line}: {reason}")]
    Payers {
        file: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("{file}: {reason}")]
    Issuer { file: PathBuf, reason: String },
}

/// The validated `[eligibility]` settings.
#[derive(Debug, Clone)]
pub struct EligibilitySettings {
    /// `None`: no clearinghouse; every coverage is "not verified".
    pub clearinghouse_url: Option<String>,
    pub timeout: Duration,
    pub practice_npi: Npi,
    pub practice_name: OrgName,
    pub service_type: ServiceTypeCode,
    pub parties: InterchangeParties,
}

impl EligibilitySettings {
    pub fn from_config(config: &EligibilityConfig) -> Result<Self, ConfigError> {
        let bad = |key: &'static str, reason: String| ConfigError::Eligibility { key, reason };
        if !(100..=60_000).contains(&config.timeout_ms) {
            return Err(bad("timeout_ms", "must be 100 to 60000".into()));
        }
        let clearinghouse_url = match &config.clearinghouse_url {
            None => None,
            Some(url) => {
                let parsed = reqwest::Url::parse(url)
                    .map_err(|e| bad("clearinghouse_url", e.to_string()))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(bad("clearinghouse_url", "must be http or https".into()));
                }
                Some(url.clone())
            }
        };
        Ok(Self {
            clearinghouse_url,
            timeout: Duration::from_millis(config.timeout_ms),
            practice_npi: Npi::new(&config.practice_npi)
                .map_err(|e| bad("practice_npi", e.to_string()))?,
            practice_name: OrgName::new(&config.practice_name)
                .map_err(|e| bad("practice_name", e.to_string()))?,
            service_type: ServiceTypeCode::new(&config.service_type)
                .map_err(|e| bad("service_type", e.to_string()))?,
            parties: InterchangeParties {
                sender: InterchangeId::new(&config.sender_id)
                    .map_err(|e| bad("sender_id", e.to_string()))?,
                receiver: InterchangeId::new(&config.receiver_id)
                    .map_err(|e| bad("receiver_id", e.to_string()))?,
                usage: if config.production {
                    Usage::Production
                } else {
                    Usage::Test
                },
            },
        })
    }
}

/// What the office knows about insurance, fixed while it runs.
#[derive(Debug, Clone)]
pub struct InsuranceSetup {
    /// What `GET /api/kiosk/v1/insurance` answers.
    pub reference: InsuranceReference,
    pub trusted: TrustedIssuers,
    payers: HashMap<PayerId, PayerName>,
    /// Payers that give each dependent a member id of their own (`dependent_ids` = `own`
    /// in the payer list): their dependents are asked about as subscribers. Every other
    /// payer finds a dependent under the subscriber's id (a 2000D loop in the 270).
    own_dependent_ids: HashSet<PayerId>,
}

impl InsuranceSetup {
    /// Reads the payer list and the trusted issuers `config` names.
    pub fn load(config: &InsuranceConfig) -> Result<Self, SetupError> {
        let payers = match &config.payers {
            None => parse_payer_list(DEFAULT_PAYERS, Path::new(DEFAULT_PAYERS_NAME))?,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| SetupError::Read {
                    file: path.clone(),
                    error,
                })?;
                parse_payer_list(&text, path)?
            }
        };
        let (payers, own_dependent_ids) = payers;
        let issuers = match &config.shc_issuers_dir {
            None => Vec::new(),
            Some(dir) => read_issuers(dir)?,
        };
        Ok(Self::new(payers, issuers).with_own_dependent_ids(own_dependent_ids))
    }

    /// The payers whose dependents have member ids of their own.
    pub fn with_own_dependent_ids(mut self, payers: HashSet<PayerId>) -> Self {
        self.own_dependent_ids = payers;
        self
    }

    /// Whether the payer gives dependents member ids of their own.
    pub fn dependents_have_own_ids(&self, id: &PayerId) -> bool {
        self.own_dependent_ids.contains(id)
    }

    /// A set-up from parts already checked (tests, the bench).
    pub fn new(payers: Vec<PayerListEntry>, issuers: Vec<(PathBuf, TrustedShcIssuer)>) -> Self {
        let mut trusted = TrustedIssuers::new();
        for (_, issuer) in &issuers {
            // Checked when read; a set-up made by hand with a bad key set trusts nothing more.
            let _ = trusted.add_jwks(&issuer.iss, &issuer.jwks);
        }
        let mut reference = InsuranceReference {
            revision: String::new(),
            payers,
            shc_issuers: issuers.into_iter().map(|(_, issuer)| issuer).collect(),
        };
        reference.revision = revision_of(&reference);
        let payers = reference
            .payers
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect();
        Self {
            reference,
            trusted,
            payers,
            own_dependent_ids: HashSet::new(),
        }
    }

    /// The office's name for a payer id, when the id is on its list.
    pub fn payer_name(&self, id: &PayerId) -> Option<&PayerName> {
        self.payers.get(id)
    }
}

/// The same list and issuers always give the same revision (a restart does not make every
/// kiosk download them again); any change gives another.
fn revision_of(reference: &InsuranceReference) -> String {
    let mut hash = Sha256::new();
    let mut add = |part: &str| {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    };
    for payer in &reference.payers {
        add(payer.id.as_str());
        add(payer.name.as_str());
    }
    add("--issuers--");
    for issuer in &reference.shc_issuers {
        add(&issuer.iss);
        add(&issuer.jwks);
    }
    let digest = hash.finalize();
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads `payer_id,name[,dependent_ids]` rows after a header line (every id once, every
/// name valid): the payers, and those
/// whose `dependent_ids` is `own` (blank or `subscriber`: dependents use the subscriber's
/// member id).
pub fn parse_payer_list(
    text: &str,
    file: &Path,
) -> Result<(Vec<PayerListEntry>, HashSet<PayerId>), SetupError> {
    let bad = |line: u64, reason: &str| SetupError::Payers {
        file: file.to_owned(),
        line,
        reason: reason.to_owned(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|_| bad(1, "unreadable header"))?
        .clone();
    let columns = header.len();
    if !(2..=3).contains(&columns)
        || &header[0] != "payer_id"
        || &header[1] != "name"
        || (columns == 3 && &header[2] != "dependent_ids")
    {
        return Err(bad(
            1,
            "the header must be: payer_id,name (or payer_id,name,dependent_ids)",
        ));
    }
    let mut own_dependent_ids = HashSet::new();
    let mut payers: Vec<PayerListEntry> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(
                line,
                "unreadable row (the header's columns: payer_id,name[,dependent_ids])",
            )
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != columns {
            return Err(bad(line, "every row needs the header's columns"));
        }
        let id = PayerId::new(&record[0]).map_err(|e| bad(line, &e.to_string()))?;
        let name = PayerName::new(&record[1]).map_err(|e| bad(line, &e.to_string()))?;
        if !seen.insert(id.clone()) {
            return Err(bad(line, "this payer id is listed twice"));
        }
        match record.get(2).unwrap_or("") {
            "" | "subscriber" => {}
            "own" => {
                own_dependent_ids.insert(id.clone());
            }
            _ => return Err(bad(line, "dependent_ids must be own, subscriber or blank")),
        }
        payers.push(PayerListEntry { id, name });
        if payers.len() > MAX_PAYERS {
            return Err(bad(line, &format!("more than {MAX_PAYERS} payers")));
        }
    }
    if payers.is_empty() {
        return Err(bad(1, "the list names no payer"));
    }
    Ok((payers, own_dependent_ids))
}

/// Reads every `*.json` file of `dir`, in name order, as a trusted issuer.
fn read_issuers(dir: &Path) -> Result<Vec<(PathBuf, TrustedShcIssuer)>, SetupError> {
    let entries = std::fs::read_dir(dir).map_err(|error| SetupError::Read {
        file: dir.to_owned(),
        error,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut issuers = Vec::new();
    for file in files {
        let read = |error| SetupError::Read {
            file: file.clone(),
            error,
        };
        if std::fs::metadata(&file).map_err(read)?.len() > MAX_JWKS {
            return Err(SetupError::Issuer {
                file,
                reason: format!("larger than {MAX_JWKS} bytes"),
            });
        }
        let text = std::fs::read_to_string(&file).map_err(read)?;
        let issuer = parse_issuer(&text).map_err(|reason| SetupError::Issuer {
            file: file.clone(),
            reason,
        })?;
        issuers.push((file, issuer));
    }
    Ok(issuers)
}

/// One issuer file: a JWKS document with the issuer's URL as `"iss"`.
pub fn parse_issuer(text: &str) -> Result<TrustedShcIssuer, String> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let iss = doc
        .get("iss")
        .and_then(serde_json::Value::as_str)
        .ok_or("no \"iss\": the issuer URL the cards name")?;
    if !iss.starts_with("https://") {
        return Err("\"iss\" must be an https URL".into());
    }
    TrustedIssuers::new()
        .add_jwks(iss, text)
        .map_err(|e| e.to_string())?;
    Ok(TrustedShcIssuer {
        iss: iss.to_owned(),
        jwks: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_payer_list_reads() {
        let setup = InsuranceSetup::load(&InsuranceConfig::default()).unwrap();
        assert!(setup.reference.payers.len() >= 3);
        assert!(setup.reference.shc_issuers.is_empty());
        let id = PayerId::new("TSTPAYER1").unwrap();
        assert_eq!(
            setup.payer_name(&id).unwrap().as_str(),
            "Testpayer Health Plan"
        );
        assert_eq!(setup.reference.revision.len(), 24);
    }

    #[test]
    fn a_bad_payer_list_names_its_line() {
        let file = Path::new("payers.csv");
        for (text, line, reason) in [
            ("id,name\nA1,X\n", 1, "header"),
            ("payer_id,name\nA1,Testpayer\nA1,Other\n", 3, "twice"),
            ("payer_id,name\nA1,Testpayer\nA*2,Other\n", 3, "payer id"),
            ("payer_id,name\nA1,Testpayer\nA2\n", 3, "column"),
            ("payer_id,name\n", 1, "no payer"),
        ] {
            let error = parse_payer_list(text, file).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("payers.csv line {line}:")) && error.contains(reason),
                "{text:?}: {error}"
            );
        }
    }

    #[test]
    fn a_payer_list_may_say_whose_dependents_have_their_own_ids() {
        let file = Path::new("payers.csv");
        let text =
            "payer_id,name,dependent_ids\nA1,Testpayer,own\nA2,Sample,\nA3,Mock,subscriber\n";
        let (payers, own) = parse_payer_list(text, file).unwrap();
        assert_eq!(payers.len(), 3);
        assert_eq!(
            own.into_iter().collect::<Vec<_>>(),
            [PayerId::new("A1").unwrap()]
        );
        let error = parse_payer_list("payer_id,name,dependent_ids\nA1,Testpayer,maybe\n", file)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 2") && error.contains("dependent_ids"),
            "{error}"
        );
        let setup = InsuranceSetup::load(&InsuranceConfig::default()).unwrap();
        assert!(!setup.dependents_have_own_ids(&PayerId::new("TSTPAYER1").unwrap()));
    }

    #[test]
    fn an_issuer_file_needs_an_iss_and_a_usable_key() {
        let good = {
            let mut doc: serde_json::Value =
                serde_json::from_str(&crate::scan::shc_sample::jwks()).unwrap();
            doc["iss"] = crate::scan::shc_sample::ISSUER.into();
            doc.to_string()
        };
        assert_eq!(
            parse_issuer(&good).unwrap().iss,
            crate::scan::shc_sample::ISSUER
        );
        assert!(parse_issuer(&crate::scan::shc_sample::jwks()).is_err());
        assert!(parse_issuer(r#"{"iss":"https://x.example","keys":[]}"#).is_err());
        assert!(parse_issuer("{").is_err());
    }

    #[test]
    fn eligibility_settings_are_checked() {
        assert!(EligibilitySettings::from_config(&EligibilityConfig::default()).is_ok());
        let bad = EligibilityConfig {
            practice_npi: "1234567890".into(),
            ..EligibilityConfig::default()
        };
        assert!(
            EligibilitySettings::from_config(&bad)
                .unwrap_err()
                .to_string()
                .contains("practice_npi")
        );
        let bad = EligibilityConfig {
            clearinghouse_url: Some("ftp://x".into()),
            ..EligibilityConfig::default()
        };
        assert!(EligibilitySettings::from_config(&bad).is_err());
    }
}

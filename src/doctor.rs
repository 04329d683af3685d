//! `sagedesk doctor`: what SageDesk needs on this machine, found or not,
//! with what to do about anything missing. The desktop app shows the same
//! report on its setup screen.

use serde::Serialize;

use crate::engine::{Engine, EngineError, EngineInfo, ImageInfo};
use crate::error_code::ErrorCode;

/// Something that stops SageDesk from running a kernel.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// What the window branches on, e.g. `engine_not_running`.
    pub code: ErrorCode,
    pub message: String,
    /// What the person should do.
    pub fix: String,
    /// The places that were tried, where that helps.
    pub tried: Vec<String>,
}

impl From<&EngineError> for Problem {
    fn from(err: &EngineError) -> Problem {
        Problem {
            code: err.code(),
            message: err.to_string(),
            fix: err.fix(),
            tried: err.tried(),
        }
    }
}

/// The state of the machine for SageDesk.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The engine, when one answered.
    pub engine: Option<EngineInfo>,
    /// The first thing in the way, if any.
    pub problem: Option<Problem>,
    /// The SageMath image, when the engine has it.
    pub image: Option<ImageInfo>,
    /// The tag the image has, or will have once built.
    pub image_tag: String,
}

impl Report {
    /// Whether everything SageDesk needs is in place.
    pub fn is_ok(&self) -> bool {
        self.problem.is_none() && self.engine.is_some() && self.image.is_some()
    }
}

/// Checks the engine (from the app's setting, `DOCKER_HOST` or the usual
/// places) and the image `image_tag`.
pub async fn check_image(engine_setting: Option<&str>, image_tag: &str) -> Report {
    let mut report = Report {
        engine: None,
        problem: None,
        image: None,
        image_tag: image_tag.to_string(),
    };
    let engine = match Engine::connect(engine_setting).await {
        Ok(engine) => engine,
        Err(err) => {
            report.problem = Some(Problem::from(&err));
            return report;
        }
    };
    report.engine = Some(engine.info().clone());
    match engine.image(image_tag).await {
        Ok(Some(image)) => report.image = Some(image),
        Ok(None) => {
            report.problem = Some(Problem {
                code: ErrorCode::ImageMissing,
                message: format!("the SageMath image {image_tag} is not on this machine yet"),
                fix: "Build it with `sagedesk image build` (the app does this in its setup; it downloads about 1.5 GB once)."
                    .into(),
                tried: Vec::new(),
            })
        }
        Err(err) => report.problem = Some(Problem::from(&err)),
    }
    report
}

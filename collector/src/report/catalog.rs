//! What the project's published specs say, as the reports need it: flows (name, kind, steps in
//! order, checklist items, survey scale), milestones and stages in order, with their labels in
//! every language the spec has. Ids the events carry but the current spec no longer has are
//! still reported; the catalog only gives order and names.

use serde::Serialize;
use shirube::core::model::{Body, Text};

use crate::store::SpecRow;

/// A label in every language the spec gives, and the spec's default language. It is written
/// to JSON as an object of texts by language: `{"en": "Create a project", "ja": "…"}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Label {
    pub texts: Vec<(String, String)>,
    pub default: String,
}

impl Serialize for Label {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.texts.len()))?;
        for (lang, text) in &self.texts {
            m.serialize_entry(lang, text)?;
        }
        m.end()
    }
}

impl Label {
    fn of(t: &Text, default: &str) -> Label {
        Label { texts: t.0.clone(), default: default.to_owned() }
    }

    /// The text in `lang`, else in its base language (`ja` for `ja-JP`), else in the spec's
    /// default language, else `fallback` (the id).
    pub fn get<'a>(&'a self, lang: &str, fallback: &'a str) -> &'a str {
        let base = lang.split('-').next().unwrap_or(lang);
        self.texts
            .iter()
            .find(|(l, _)| l == lang)
            .or_else(|| self.texts.iter().find(|(l, _)| l == base))
            .or_else(|| self.texts.iter().find(|(l, _)| *l == self.default))
            .or_else(|| self.texts.first())
            .map_or(fallback, |(_, t)| t.as_str())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FlowDesc {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub enabled: bool,
    pub steps: Vec<String>,
    pub items: Vec<(String, Label)>,
    pub scale: Option<&'static str>,
    pub product: String,
}

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub flows: Vec<FlowDesc>,
    pub milestones: Vec<(String, Label)>,
    pub stages: Vec<(String, Label)>,
    /// `(product, version, revision)` of each published spec.
    pub specs: Vec<(String, i64, String)>,
}

impl Catalog {
    pub fn from_specs(specs: &[(String, SpecRow)]) -> Catalog {
        let mut c = Catalog::default();
        for (product, row) in specs {
            // Published specs passed the validator when they were stored; one that no longer
            // parses (a newer collector, stricter rules) contributes nothing rather than failing
            // every report.
            let Some(model) = shirube::validate(&row.body).model else { continue };
            let d = model.default_locale.as_str();
            c.specs.push((product.clone(), row.version, model.revision.clone()));
            for f in &model.flows {
                if c.flows.iter().any(|x| x.id == f.id) {
                    continue;
                }
                let (steps, items, scale) = match &f.body {
                    Body::Tour(t) => (t.steps.iter().map(|s| s.id.clone()).collect(), Vec::new(), None),
                    Body::Checklist(l) => (Vec::new(), l.items.iter().map(|i| (i.id.clone(), Label::of(&i.label, d))).collect(), None),
                    Body::Survey(s) => (
                        Vec::new(),
                        Vec::new(),
                        Some(match s.scale.range() {
                            (0, 10) => "nps",
                            (1, 5) => "csat",
                            _ => "ces",
                        }),
                    ),
                    _ => (Vec::new(), Vec::new(), None),
                };
                c.flows.push(FlowDesc {
                    id: f.id.clone(),
                    name: if f.name.is_empty() { f.id.clone() } else { f.name.clone() },
                    kind: f.kind.as_str(),
                    enabled: f.enabled,
                    steps,
                    items,
                    scale,
                    product: product.clone(),
                });
            }
            for m in &model.milestones {
                if !c.milestones.iter().any(|(id, _)| *id == m.id) {
                    c.milestones.push((m.id.clone(), m.label.as_ref().map(|t| Label::of(t, d)).unwrap_or_default()));
                }
            }
            for s in &model.stages {
                if !c.stages.iter().any(|(id, _)| *id == s.id) {
                    c.stages.push((s.id.clone(), s.label.as_ref().map(|t| Label::of(t, d)).unwrap_or_default()));
                }
            }
        }
        c
    }

    pub fn flow(&self, id: &str) -> Option<&FlowDesc> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// The name people know a flow by.
    pub fn flow_name(&self, id: &str) -> String {
        self.flow(id).map_or_else(|| id.to_owned(), |f| f.name.clone())
    }

    pub fn milestone_label<'a>(&'a self, id: &'a str, lang: &str) -> &'a str {
        self.milestones.iter().find(|(m, _)| m == id).map_or(id, |(_, l)| l.get(lang, id))
    }

    pub fn stage_label<'a>(&'a self, id: &'a str, lang: &str) -> &'a str {
        self.stages.iter().find(|(s, _)| s == id).map_or(id, |(_, l)| l.get(lang, id))
    }

    /// Orders ids: those the spec lists first, in its order, then the others sorted.
    pub fn order(spec: &[String], seen: impl IntoIterator<Item = String>) -> Vec<String> {
        let mut out: Vec<String> = spec.to_vec();
        let mut extra: Vec<String> = seen.into_iter().filter(|s| !spec.contains(s)).collect();
        extra.sort();
        extra.dedup();
        out.extend(extra);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_acme_program() {
        let row = SpecRow { version: 3, body: crate::seed::ACME_SPEC.into(), etag: String::new(), revision: None, created_at: 0 };
        let c = Catalog::from_specs(&[("acme".into(), row)]);
        assert_eq!(c.specs, vec![("acme".into(), 3, "2026-11-22.1".into())]);
        let w = c.flow("welcome").expect("welcome");
        assert_eq!((w.kind, w.name.as_str()), ("tour", "Welcome tour"));
        assert_eq!(w.steps, vec!["intro", "create", "import", "reports", "done"]);
        assert_eq!(c.flow("nps").and_then(|f| f.scale), Some("nps"));
        assert_eq!(c.flow("report-csat").and_then(|f| f.scale), Some("csat"));
        assert_eq!(c.flow("getting-started").map(|f| f.items.len()), Some(4));
        assert_eq!(c.milestone_label("first_project", "ja"), "プロジェクトを作成");
        assert_eq!(c.milestone_label("first_project", "fr"), "Create a project");
        assert_eq!(c.milestone_label("gone", "en"), "gone");
        assert_eq!(c.stage_label("self_sufficient", "ja"), "自走");
        assert_eq!(Catalog::order(&["b".into(), "a".into()], ["z".into(), "a".into(), "c".into()]), vec!["b", "a", "c", "z"]);
    }
}

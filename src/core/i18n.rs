//! Shirube's own words (button labels, progress, survey scale labels, screen-reader text) in
//! English and Japanese. Spec texts are the CS team's; these are ours. Other languages fall
//! back to English until translated.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    Next,
    Back,
    Done,
    Close,
    /// "{n} of {m}" (tour progress).
    StepOf,
    /// "Step {n} of {m}: {title}" (live region).
    StepAnnounce,
    OpenHint,
    ChecklistProgress,
    ChecklistOpen,
    ChecklistClose,
    ChecklistDone,
    ItemDone,
    ItemTodo,
    Send,
    Skip,
    Thanks,
    NpsLow,
    NpsHigh,
    CsatLow,
    CsatHigh,
    CesLow,
    CesHigh,
    CommentLabel,
    ScoreLabel,
    Dismiss,
}

/// The text of `m` in `locale` (`ja`, `ja-JP` → Japanese; anything else → English).
pub fn text(locale: &str, m: Msg) -> &'static str {
    let ja = locale == "ja" || locale.starts_with("ja-");
    match (m, ja) {
        (Msg::Next, false) => "Next",
        (Msg::Next, true) => "次へ",
        (Msg::Back, false) => "Back",
        (Msg::Back, true) => "戻る",
        (Msg::Done, false) => "Done",
        (Msg::Done, true) => "完了",
        (Msg::Close, false) => "Close",
        (Msg::Close, true) => "閉じる",
        (Msg::StepOf, false) => "{n} of {m}",
        (Msg::StepOf, true) => "{n} / {m}",
        (Msg::StepAnnounce, false) => "Step {n} of {m}: {title}",
        (Msg::StepAnnounce, true) => "ステップ {n} / {m}：{title}",
        (Msg::OpenHint, false) => "Show tip: {title}",
        (Msg::OpenHint, true) => "ヒントを表示：{title}",
        (Msg::ChecklistProgress, false) => "{n} of {m} done",
        (Msg::ChecklistProgress, true) => "{m}件中{n}件完了",
        (Msg::ChecklistOpen, false) => "Open checklist",
        (Msg::ChecklistOpen, true) => "チェックリストを開く",
        (Msg::ChecklistClose, false) => "Minimize checklist",
        (Msg::ChecklistClose, true) => "チェックリストを最小化",
        (Msg::ChecklistDone, false) => "All done. Nice work!",
        (Msg::ChecklistDone, true) => "すべて完了しました。お疲れさまでした！",
        (Msg::ItemDone, false) => "done",
        (Msg::ItemDone, true) => "完了",
        (Msg::ItemTodo, false) => "to do",
        (Msg::ItemTodo, true) => "未完了",
        (Msg::Send, false) => "Send",
        (Msg::Send, true) => "送信",
        (Msg::Skip, false) => "Skip",
        (Msg::Skip, true) => "スキップ",
        (Msg::Thanks, false) => "Thank you for your feedback!",
        (Msg::Thanks, true) => "ご回答ありがとうございました！",
        (Msg::NpsLow, false) => "Not at all likely",
        (Msg::NpsLow, true) => "まったく思わない",
        (Msg::NpsHigh, false) => "Extremely likely",
        (Msg::NpsHigh, true) => "非常にそう思う",
        (Msg::CsatLow, false) => "Very dissatisfied",
        (Msg::CsatLow, true) => "とても不満",
        (Msg::CsatHigh, false) => "Very satisfied",
        (Msg::CsatHigh, true) => "とても満足",
        (Msg::CesLow, false) => "Very difficult",
        (Msg::CesLow, true) => "とても難しい",
        (Msg::CesHigh, false) => "Very easy",
        (Msg::CesHigh, true) => "とても簡単",
        (Msg::CommentLabel, false) => "Your comment (optional)",
        (Msg::CommentLabel, true) => "コメント（任意）",
        (Msg::ScoreLabel, false) => "Score {n}",
        (Msg::ScoreLabel, true) => "スコア {n}",
        (Msg::Dismiss, false) => "Dismiss",
        (Msg::Dismiss, true) => "閉じる",
    }
}

/// Fills `{n}`, `{m}` and `{title}` in a message.
pub fn fill(template: &str, n: usize, m: usize, title: &str) -> String {
    use crate::core::text::replace;
    replace(&replace(&replace(template, "{n}", &n.to_string()), "{m}", &m.to_string()), "{title}", title)
}

/// Picks the UI locale: the first of `wanted` (the host's choice, then the browser's
/// languages) that the spec supports, matching `pt-BR` to `pt`; else the spec's default.
pub fn negotiate(wanted: &[String], supported: &[String], default: &str) -> String {
    for w in wanted {
        let w = w.trim();
        if w.is_empty() {
            continue;
        }
        if let Some(s) = supported.iter().find(|s| s.eq_ignore_ascii_case(w)) {
            return s.clone();
        }
        let lang = w.split('-').next().unwrap_or(w);
        if let Some(s) = supported.iter().find(|s| s.eq_ignore_ascii_case(lang)) {
            return s.clone();
        }
    }
    default.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages() {
        assert_eq!(text("en", Msg::Next), "Next");
        assert_eq!(text("ja", Msg::Next), "次へ");
        assert_eq!(text("ja-JP", Msg::Done), "完了");
        assert_eq!(text("fr", Msg::Back), "Back");
        assert_eq!(fill(text("ja", Msg::ChecklistProgress), 2, 4, ""), "4件中2件完了");
        assert_eq!(fill(text("en", Msg::StepAnnounce), 1, 3, "Start here"), "Step 1 of 3: Start here");
    }

    #[test]
    fn negotiation() {
        let sup = vec!["en".to_string(), "ja".to_string(), "pt".to_string()];
        assert_eq!(negotiate(&["ja-JP".into(), "en".into()], &sup, "en"), "ja");
        assert_eq!(negotiate(&["pt-BR".into()], &sup, "en"), "pt");
        assert_eq!(negotiate(&["fr".into(), "de".into()], &sup, "en"), "en");
        assert_eq!(negotiate(&["".into(), "EN-us".into()], &sup, "ja"), "en");
    }
}

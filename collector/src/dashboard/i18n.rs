//! Every word the dashboard shows, in English and Japanese. A message is a variant of [`M`], so
//! a missing translation is a compile error rather than an English word on a Japanese page.
//!
//! Labels that come from the customer's spec (milestones, stages, checklist items) are not
//! here: the spec carries its own translations (`report::catalog`).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }

    /// The first of English or Japanese an `Accept-Language` header prefers (English if none).
    pub fn from_accept(h: &str) -> Lang {
        for part in h.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if tag.starts_with("ja") {
                return Lang::Ja;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::En
    }

    /// A whole number with thousands separators (both languages write 12,345).
    pub fn int(self, n: u64) -> String {
        let s = n.to_string();
        let mut out = String::with_capacity(s.len() + s.len() / 3);
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// A share as a percentage with one decimal.
    pub fn pct(self, share: f64) -> String {
        format!("{:.1}%", share * 100.0)
    }

    /// A duration in ms, as people read it: 850 ms, 12.3 s, 4.5 min, 2.1 h.
    pub fn duration(self, ms: f64) -> String {
        let (v, unit) = if ms < 1_000.0 {
            return format!("{ms:.0} ms");
        } else if ms < 60_000.0 {
            (ms / 1_000.0, if self == Lang::Ja { "秒" } else { " s" })
        } else if ms < 3_600_000.0 {
            (ms / 60_000.0, if self == Lang::Ja { "分" } else { " min" })
        } else {
            (ms / 3_600_000.0, if self == Lang::Ja { "時間" } else { " h" })
        };
        format!("{v:.1}{unit}")
    }

    /// A whole number of days: "14 days", "14日".
    pub fn whole_days(self, d: u32) -> String {
        match self {
            Lang::En => format!("{d} days"),
            Lang::Ja => format!("{d}日"),
        }
    }

    pub fn days(self, d: f64) -> String {
        match self {
            Lang::En => format!("{d:.1} d"),
            Lang::Ja => format!("{d:.1}日"),
        }
    }

    /// A flow kind (`tour`, `hint`…) in this language; unknown kinds as they are.
    pub fn kind<'a>(self, kind: &'a str) -> &'a str {
        match kind {
            "tour" => self.t(M::KindTour),
            "hint" => self.t(M::KindHint),
            "announcement" => self.t(M::KindAnnouncement),
            "checklist" => self.t(M::KindChecklist),
            "survey" => self.t(M::KindSurvey),
            other => other,
        }
    }

    pub fn t(self, m: M) -> &'static str {
        let (en, ja) = m.texts();
        match self {
            Lang::En => en,
            Lang::Ja => ja,
        }
    }
}

macro_rules! messages {
    ($($name:ident => $en:literal, $ja:literal;)*) => {
        /// Dashboard messages.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum M { $($name),* }
        impl M {
            pub const ALL: &'static [M] = &[$(M::$name),*];
            pub fn texts(self) -> (&'static str, &'static str) {
                match self { $(M::$name => ($en, $ja)),* }
            }
        }
    };
}

messages! {
    Product => "Shirube adoption", "Shirube 定着分析";
    ProductSub => "Adoption", "定着分析";
    NoAnswers => "No answers on this scale in this range and segment.", "この期間・セグメントでは、この尺度の回答はありません。";
    Project => "Project", "プロジェクト";
    Spec => "Spec", "スペック";
    NoSpec => "No spec published yet", "スペックは未公開です";
    SignOut => "Sign out", "ログアウト";
    SignIn => "Sign in", "ログイン";
    SignInTitle => "Sign in to the adoption dashboard", "定着分析ダッシュボードにログイン";
    SignInHelp => "Paste your project's admin token (sb_admin_…). It stays on this collector: the browser keeps only a session cookie.", "プロジェクトの管理トークン（sb_admin_…）を貼り付けてください。トークンはこのコレクターの外に出ず、ブラウザーにはセッションCookieだけが残ります。";
    AdminToken => "Admin token", "管理トークン";
    BadToken => "This token is not an admin token of any project on this collector.", "このトークンは、このコレクターのどのプロジェクトの管理トークンでもありません。";
    TooManyAttempts => "Too many failed sign-ins. Wait a few seconds and try again.", "ログインの失敗が多すぎます。数秒待ってからもう一度お試しください。";
    Language => "Language", "言語";
    Overview => "Overview", "概要";
    Funnel => "Flow funnels", "フローのファネル";
    Targets => "Broken targets", "ターゲット不在";
    Milestones => "Milestones", "マイルストーン";
    Lifecycle => "Lifecycle", "ライフサイクル";
    Checklists => "Checklists", "チェックリスト";
    Surveys => "Surveys", "アンケート";
    OverviewSub => "Who used the product and how each flow of the onboarding program did.", "製品を使ったユーザーと、オンボーディングの各フローの状況です。";
    FunnelSub => "Where users drop out of a flow, step by step, and how spec revisions compare.", "フローのどのステップで離脱しているか、スペックのリビジョン間の比較です。";
    TargetsSub => "Steps and hints whose element was not on the page, or out of sight. Fix these before customers notice.", "要素がページ上に見つからなかった、または見えない位置にあったステップとヒントです。顧客が気づく前に修正しましょう。";
    MilestonesSub => "Which share of users reach each adoption milestone, by segment or sign-up cohort.", "各マイルストーンに到達したユーザーの割合を、セグメント別・登録コホート別に示します。";
    LifecycleSub => "How users move from onboarding to adoption to self-sufficiency.", "定着から活用、自走へのユーザーの移り変わりです。";
    ChecklistsSub => "How far users get through each checklist, item by item.", "チェックリストの項目ごとの達成状況です。";
    SurveysSub => "NPS, CSAT and CES, and what customers wrote in their own words.", "NPS・CSAT・CESと、顧客が自分の言葉で書いたコメント（顧客の声）です。";
    From => "From", "開始日";
    To => "To", "終了日";
    Days7 => "7 days", "7日間";
    Days30 => "30 days", "30日間";
    Days90 => "90 days", "90日間";
    Tier => "Tier", "ティア";
    Plan => "Plan", "プラン";
    All => "All", "すべて";
    TraitFilter => "Trait", "属性";
    TraitValue => "Value", "値";
    Apply => "Apply", "適用";
    Reset => "Reset", "リセット";
    Segment => "Segment", "セグメント";
    WholeSegment => "All users", "全ユーザー";
    RangeNote => "Days are UTC days.", "日付はUTC基準です。";
    TierHigh => "High touch", "ハイタッチ";
    TierLow => "Low touch", "ロータッチ";
    TierTech => "Tech touch", "テックタッチ";
    ActiveUsers => "Active users", "アクティブユーザー";
    NewUsers => "New users", "新規ユーザー";
    Events => "Events", "イベント";
    LiveFlows => "Live flows", "公開中のフロー";
    EventsPerDay => "Events and active users per day", "日別のイベント数とアクティブユーザー数";
    EventsPerDayDesc => "Bars: events per day. Line: distinct active users per day.", "棒グラフ：日別イベント数。折れ線：日別のアクティブユーザー数。";
    Flows => "Flows", "フロー";
    Flow => "Flow", "フロー";
    Kind => "Kind", "種類";
    Live => "Live", "公開中";
    Yes => "yes", "はい";
    No => "no", "いいえ";
    Started => "Started", "開始";
    Completed => "Completed", "完了";
    Dismissed => "Dismissed", "閉じた";
    CompletionRate => "Completion rate", "完了率";
    Day => "Day", "日付";
    Users => "Users", "ユーザー";
    DownloadCsv => "CSV", "CSV";
    DownloadCsvTitle => "Download this table as CSV", "この表をCSVでダウンロード";
    NoData => "Nothing in this range and segment yet.", "この期間・セグメントにはまだデータがありません。";
    Revision => "Spec revision", "スペックのリビジョン";
    AllRevisions => "All revisions", "すべてのリビジョン";
    Step => "Step", "ステップ";
    Viewed => "Viewed", "表示";
    Dropped => "Dropped", "離脱";
    DropOff => "Drop-off", "離脱率";
    Reach => "Reach", "到達率";
    MedianTime => "Median time", "所要時間の中央値";
    FunnelChart => "Users per step", "ステップごとのユーザー数";
    FunnelChartDesc => "Full bar: users who saw the step. Dark part: users who completed it.", "バー全体：ステップを見たユーザー。濃い部分：ステップを完了したユーザー。";
    Revisions => "Revisions compared", "リビジョンの比較";
    Opened => "Opened", "開いた";
    Answered => "Answered", "回答";
    MedianFlowTime => "Median time to complete", "完了までの時間（中央値）";
    NoSteps => "This flow has no steps: its funnel is started → completed.", "このフローにはステップがありません。開始→完了のファネルです。";
    MissingEvents => "Missing-target events", "ターゲット不在イベント";
    AffectedUsers => "Affected users", "影響を受けたユーザー";
    Problems => "Problems", "問題の数";
    Rising => "Rising", "増加中";
    TargetsPerDay => "Missing targets per day", "日別のターゲット不在";
    Selector => "Selector", "セレクター";
    ReasonAbsent => "not on the page", "ページにない";
    ReasonHidden => "out of sight", "見えない位置";
    ReasonAbsentHelp => "No element on the page matched the selector: check the selector and the step's page.", "セレクターに一致する要素がページにありません。セレクターとステップのページを確認してください。";
    ReasonHiddenHelp => "The element is on the page but out of sight (a closed drawer or menu, a collapsed panel): have an earlier step open it, for example one that advances on a click of its toggle.", "要素はページにありますが、見えない位置にあります（閉じたドロワーやメニュー、折りたたまれたパネル）。前のステップで開くようにしてください（例: トグルのクリックで進むステップ）。";
    Page => "Page", "ページ";
    FailureRate => "Failure rate", "失敗率";
    FailureRateHelp => "Share of attempts to show this step that found no element.", "このステップを表示しようとして要素が見つからなかった割合です。";
    Trend => "Trend", "傾向";
    LastSeen => "Last seen", "最終発生日";
    TrendNew => "new", "新規";
    TrendRising => "rising", "増加";
    TrendFalling => "falling", "減少";
    TrendSteady => "steady", "横ばい";
    Last14 => "Last 14 days", "直近14日間";
    GroupBy => "Group by", "グループ化";
    NoGrouping => "No grouping", "なし";
    Cohort => "Sign-up week", "登録週（コホート）";
    Within => "Reached within (days)", "到達までの日数（以内）";
    Any => "any time", "期限なし";
    Milestone => "Milestone", "マイルストーン";
    Share => "Share", "割合";
    Reached => "Reached", "到達";
    MedianDays => "Median days", "日数の中央値";
    MilestoneShare => "Share of users who reached each milestone", "各マイルストーンに到達したユーザーの割合";
    MilestoneShareDesc => "Among active users of the range (sign-up cohort: users who signed up in the range).", "期間内のアクティブユーザーのうち（コホートの場合は期間内に登録したユーザーのうち）。";
    ByGroup => "By group", "グループ別";
    Group => "Group", "グループ";
    Overall => "All", "全体";
    None_ => "(none)", "（なし）";
    Stage => "Stage", "ステージ";
    StageNow => "Stage at the end of the range", "期間末時点のステージ";
    StageOverTime => "Stages over time", "ステージの推移";
    StageOverTimeDesc => "Users in each stage at the end of each day shown.", "各日の終わり時点で各ステージにいたユーザー数です。";
    Movement => "Movement in the range", "期間内の移動";
    FromStage => "From", "移動元";
    ToStage => "To", "移動先";
    FirstStage => "(first stage)", "（最初のステージ）";
    TimeTo => "Time to reach", "到達までの時間";
    MedianDaysFromStart => "Median days from first stage", "最初のステージからの日数（中央値）";
    Population => "Users placed in a stage", "ステージが判明しているユーザー";
    Item => "Item", "項目";
    ShownTo => "Shown to", "表示したユーザー";
    ItemsDone => "Completed the item", "項目を完了";
    Checklist => "Checklist", "チェックリスト";
    NoChecklists => "The published spec has no checklist.", "公開中のスペックにチェックリストはありません。";
    Nps => "NPS", "NPS";
    Csat => "CSAT", "CSAT";
    Ces => "CES", "CES";
    Responses => "Responses", "回答数";
    Promoters => "Promoters", "推奨者";
    Passives => "Passives", "中立者";
    Detractors => "Detractors", "批判者";
    NpsTrend => "NPS by week", "週別のNPS";
    Satisfied => "Satisfied (4–5)", "満足（4〜5）";
    Easy => "Easy (5–7)", "容易（5〜7）";
    Mean => "Mean", "平均";
    Distribution => "Answers per score", "スコア別の回答数";
    Score => "Score", "スコア";
    SurveyFlows => "Surveys", "アンケート";
    Figure => "Headline", "主要指標";
    CommentsCount => "Comments", "コメント";
    Voice => "Voice of the customer", "顧客の声";
    Comment => "Comment", "コメント";
    When => "When", "日時";
    User => "User", "ユーザー";
    Scale => "Scale", "尺度";
    Sentiment => "Sentiment", "評価";
    Positive => "positive", "好意的";
    Neutral => "neutral", "中立";
    Negative => "negative", "否定的";
    Locale => "Language", "言語";
    Search => "Contains", "キーワード";
    Showing => "Showing", "表示中";
    Of => "of", "/";
    Newer => "Newer", "新しいもの";
    Older => "Older", "古いもの";
    NoComments => "No comments match these filters.", "条件に一致するコメントはありません。";
    NotInSpec => "not in the published spec", "公開中のスペックにはありません";
    ErrorTitle => "The report could not be shown", "レポートを表示できませんでした";
    StorageError => "The database did not answer. Try again in a few seconds.", "データベースが応答しませんでした。数秒後にもう一度お試しください。";
    PickFlow => "Choose a flow", "フローを選択";
    KindTour => "tour", "ツアー";
    KindHint => "hint", "ヒント";
    KindAnnouncement => "announcement", "お知らせ";
    KindChecklist => "checklist", "チェックリスト";
    KindSurvey => "survey", "アンケート";
    SmallWeeks => "Weeks with fewer than 5 answers are not drawn (their figures are in the CSV).", "回答が5件未満の週は描画していません（数値はCSVにあります）。";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages() {
        for m in M::ALL {
            let (en, ja) = m.texts();
            assert!(!en.is_empty() && !ja.is_empty(), "{m:?}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(Lang::En.int(1_234_567), "1,234,567");
        assert_eq!(Lang::En.int(999), "999");
        assert_eq!(Lang::En.pct(0.4567), "45.7%");
        assert_eq!(Lang::En.duration(850.0), "850 ms");
        assert_eq!(Lang::Ja.duration(12_300.0), "12.3秒");
        assert_eq!(Lang::En.duration(270_000.0), "4.5 min");
        assert_eq!(Lang::from_accept("fr-FR,ja;q=0.8,en;q=0.5"), Lang::Ja);
        assert_eq!(Lang::from_accept("de"), Lang::En);
    }
}

// TypeScript types for Shirube onboarding spec v1. Generated from the Rust wire types
// (src/core/spec/types.rs) by `SHIRUBE_BLESS=1 cargo test --test schema`; do not edit.

/** An onboarding spec for Shirube: tours, hints, announcements, checklists and surveys, with milestones, stages and audiences. Generated from the Rust types in src/core/spec/types.rs; do not edit by hand. */
export interface Spec {
  /** The JSON Schema of this document, for completion and checking in editors. */
  "$schema"?: string;
  /** The version of the spec format. Only 1 exists. */
  version: number;
  /** The product this spec belongs to; progress is stored per product. */
  product: Id;
  /** A label for this edition of the spec, stamped on every event so reports can compare editions. */
  revision?: string;
  /** Which languages the texts come in. */
  locales?: Locales;
  /** Colours and shapes of the widgets. */
  theme?: Theme;
  /** Adoption milestones: the moments that show a customer is getting value. */
  milestones?: Array<Milestone>;
  /** Lifecycle stages in order, from the first (onboarding) to the last (self-sufficiency). */
  stages?: Array<Stage>;
  /** Named conditions that flows can reuse with {"audience": "name"}. */
  audiences?: { [name: string]: Condition };
  /** Most flows shown automatically per user per day, across the whole spec. Hints, banners and checklists do not count; flows started by the app or by another flow do not either. */
  dailyCap?: number;
  /** The tours, hints, announcements, checklists and surveys. */
  flows: Array<Flow>;
}

/** Letters, digits, `_`, `-` and `.`, at most 64 characters. Stable: events and reports use it. */
export type Id = string;

/** The languages of the spec's texts. */
export interface Locales {
  /** The language every text must have; used when the user's language is not supported. */
  default: string;
  /** Every language texts may be written in. Defaults to the default locale and English and Japanese. */
  supported?: Array<string>;
}

/** Colours and shapes. Hosts can restyle further with CSS custom properties and ::part(). */
export interface Theme {
  /** The colour of buttons, beacons and progress. */
  accent?: string;
  /** Corner radius of tooltips and panels, in pixels. */
  radius?: number;
  /** The font family; by default the system UI font. */
  font?: string;
  /** Light, dark or following the system. */
  mode?: ThemeMode;
}

/** Light or dark widgets.  - `auto`: Follow the user's system setting. */
export type ThemeMode = "auto" | "light" | "dark";

/** An adoption milestone, reached once per user and kept. */
export interface Milestone {
  /** Stable id, used by conditions, stages and reports. */
  id: Id;
  /** A name for people (the dashboard, checklists). */
  label?: Text;
  /** What reaches it. */
  when: MilestoneWhen;
}

/** Text shown to users: a string in the default locale, or an object with one string per locale, such as {"en": "Start here", "ja": "ここから始めましょう"}. Titles and bodies support **bold**, *italic*, `code`, [links](https://…), lists and line breaks. */
export type Text = string | { [name: string]: string };

/** What reaches a milestone: a product event (counted), a flow completed, or other milestones. Give exactly one of `event`, `flowCompleted` or `milestones`. */
export interface MilestoneWhen {
  /** A product event name, as passed to sb.track(name). */
  event?: string;
  /** How many times the event must happen. */
  count?: number;
  /** Reached when this flow is completed. */
  flowCompleted?: string;
  /** Reached when all of these milestones are reached. */
  milestones?: Array<string>;
}

/** A lifecycle stage. A user is in the last stage (in list order) whose `when` holds; the first stage usually has no `when`. */
export interface Stage {
  /** Stable id, used by conditions and reports. */
  id: Id;
  /** A name for people. */
  label?: Text;
  /** When the user is in this stage; without it, the stage holds from the start. */
  when?: StageWhen;
}

/** When a user has reached a stage. */
export interface StageWhen {
  /** All of these milestones are reached. */
  milestones: Array<string>;
}

/** A condition on the user and the moment: one object with one deciding key. Combine with all, any and not. */
export type Condition =
  | {
    /** All of these conditions hold. */
    all: Array<Condition>;
  }
  | {
    /** At least one of these conditions holds. */
    any: Array<Condition>;
  }
  | {
    /** This condition does not hold. */
    not: Condition;
  }
  | {
    /** The name of a user trait given in init({user: {traits}}) or identify(). */
    trait: string;
    /** The trait equals the value. */
    eq?: unknown;
    /** The trait differs from the value (or the trait is missing). */
    ne?: unknown;
    /** The trait is one of the listed values. */
    in?: Array<unknown>;
    /** The trait is none of the listed values (or missing). */
    nin?: Array<unknown>;
    /** The trait is greater than the number or date. */
    gt?: unknown;
    /** The trait is greater than or equal to the number or date. */
    gte?: unknown;
    /** The trait is less than the number or date. */
    lt?: unknown;
    /** The trait is less than or equal to the number or date. */
    lte?: unknown;
    /** The trait is present (true) or absent (false). */
    exists?: boolean;
    /** The trait contains the text, or the list contains the value. */
    contains?: unknown;
    /** The trait is a date at most this many days ago. */
    withinDays?: number;
    /** The trait is a date more than this many days ago. */
    olderThanDays?: number;
  }
  | {
    /** The user's lifecycle stage: a stage id (exactly that stage), or {"atLeast": id} / {"before": id} / {"is": id}. */
    stage: string | {
  /** The user is in exactly this stage. */
  is?: string;
  /** The user is in this stage or a later one. */
  atLeast?: string;
  /** The user is in an earlier stage. */
  before?: string;
};
  }
  | {
    /** The user has reached this milestone. */
    milestone: string;
  }
  | {
    /** Exactly one of seen, completed, dismissed, with a flow id. */
    flow: {
  /** The flow was shown at least once. */
  seen?: string;
  /** The user finished the flow. */
  completed?: string;
  /** The user closed the flow before the end. */
  dismissed?: string;
};
  }
  | {
    /** The current page matches this pattern. */
    page: Glob;
  }
  | {
    /** The user's language is this one (or one of these). */
    locale: string | Array<string>;
  }
  | {
    /** The named audience (from `audiences`) holds. */
    audience: string;
  };

/** A pattern for the path of the page's URL. `*` matches any characters, including /. Matched against the path only, or path and query when the pattern contains `?`. A trailing / is ignored. */
export type Glob = string;

/** A tour, hint, announcement, checklist or survey, chosen by `kind`. */
export type Flow =
  | {
    /** The kind of flow. */
    kind: "tour";
    /** Stable id, unique in the spec; events and reports use it. */
    id: Id;
    /** A name for the dashboard; defaults to the id. */
    name?: string;
    /** Who may see the flow. Without it, everyone. */
    audience?: Condition;
    /** When the flow starts by itself. Without it, only sb.start(id) or an action starts it. */
    trigger?: Trigger;
    /** How often it may show to one user. */
    frequency?: Frequency;
    /** When several flows want to show at once, the highest priority wins (ties: spec order). */
    priority?: number;
    /** The share of users who may see it, decided once per user by a stable hash of the user id, so a user stays in or out. */
    sample?: number;
    /** After the user dismisses the flow, wait this long before it may show again (with `every` or `untilCompleted`). */
    snooze?: Duration;
    /** Set to false to switch the flow off without deleting it. */
    enabled?: boolean;
    /** The steps, in order. */
    steps: Array<Step>;
    /** Dim the page around the target and keep the user's focus in the step (a modal tour). With `false`, each step still moves focus into itself, unless the user is typing in a field of the page: focus then stays in the field, and with it what the field opens (suggestions under a search box), which the step may point at. */
    overlay?: boolean;
    /** Show "2 of 5". */
    showProgress?: boolean;
    /** Let the user close the tour (close button, Esc). */
    dismissible?: boolean;
  }
  | {
    /** The kind of flow. */
    kind: "hint";
    /** Stable id, unique in the spec; events and reports use it. */
    id: Id;
    /** A name for the dashboard; defaults to the id. */
    name?: string;
    /** Who may see the flow. Without it, everyone. */
    audience?: Condition;
    /** When the flow starts by itself. Without it, only sb.start(id) or an action starts it. */
    trigger?: Trigger;
    /** How often it may show to one user. */
    frequency?: Frequency;
    /** When several flows want to show at once, the highest priority wins (ties: spec order). */
    priority?: number;
    /** The share of users who may see it, decided once per user by a stable hash of the user id, so a user stays in or out. */
    sample?: number;
    /** After the user dismisses the flow, wait this long before it may show again (with `every` or `untilCompleted`). */
    snooze?: Duration;
    /** Set to false to switch the flow off without deleting it. */
    enabled?: boolean;
    /** The element the beacon sits beside. */
    target: Target;
    /** The tooltip's heading. */
    title?: Text;
    /** The tooltip's text. */
    body: Text;
    /** Where the tooltip opens. */
    placement?: Placement;
  }
  | {
    /** The kind of flow. */
    kind: "announcement";
    /** Stable id, unique in the spec; events and reports use it. */
    id: Id;
    /** A name for the dashboard; defaults to the id. */
    name?: string;
    /** Who may see the flow. Without it, everyone. */
    audience?: Condition;
    /** When the flow starts by itself. Without it, only sb.start(id) or an action starts it. */
    trigger?: Trigger;
    /** How often it may show to one user. */
    frequency?: Frequency;
    /** When several flows want to show at once, the highest priority wins (ties: spec order). */
    priority?: number;
    /** The share of users who may see it, decided once per user by a stable hash of the user id, so a user stays in or out. */
    sample?: number;
    /** After the user dismisses the flow, wait this long before it may show again (with `every` or `untilCompleted`). */
    snooze?: Duration;
    /** Set to false to switch the flow off without deleting it. */
    enabled?: boolean;
    /** Modal, banner or slideout. */
    style?: AnnouncementStyle;
    /** The heading. */
    title?: Text;
    /** The message. */
    body: Text;
    /** A button that does something; clicking it completes the announcement. */
    cta?: Cta;
    /** Let the user close it. */
    dismissible?: boolean;
  }
  | {
    /** The kind of flow. */
    kind: "checklist";
    /** Stable id, unique in the spec; events and reports use it. */
    id: Id;
    /** A name for the dashboard; defaults to the id. */
    name?: string;
    /** Who may see the flow. Without it, everyone. */
    audience?: Condition;
    /** When the flow starts by itself. Without it, only sb.start(id) or an action starts it. */
    trigger?: Trigger;
    /** How often it may show to one user. */
    frequency?: Frequency;
    /** When several flows want to show at once, the highest priority wins (ties: spec order). */
    priority?: number;
    /** The share of users who may see it, decided once per user by a stable hash of the user id, so a user stays in or out. */
    sample?: number;
    /** After the user dismisses the flow, wait this long before it may show again (with `every` or `untilCompleted`). */
    snooze?: Duration;
    /** Set to false to switch the flow off without deleting it. */
    enabled?: boolean;
    /** The heading of the panel. */
    title: Text;
    /** A line under the heading. */
    description?: Text;
    /** The tasks. */
    items: Array<ChecklistItem>;
    /** Let the user close the checklist; the launcher reopens it. */
    dismissible?: boolean;
  }
  | {
    /** The kind of flow. */
    kind: "survey";
    /** Stable id, unique in the spec; events and reports use it. */
    id: Id;
    /** A name for the dashboard; defaults to the id. */
    name?: string;
    /** Who may see the flow. Without it, everyone. */
    audience?: Condition;
    /** When the flow starts by itself. Without it, only sb.start(id) or an action starts it. */
    trigger?: Trigger;
    /** How often it may show to one user. */
    frequency?: Frequency;
    /** When several flows want to show at once, the highest priority wins (ties: spec order). */
    priority?: number;
    /** The share of users who may see it, decided once per user by a stable hash of the user id, so a user stays in or out. */
    sample?: number;
    /** After the user dismisses the flow, wait this long before it may show again (with `every` or `untilCompleted`). */
    snooze?: Duration;
    /** Set to false to switch the flow off without deleting it. */
    enabled?: boolean;
    /** NPS (0–10), CSAT (1–5) or CES (1–7). */
    scale: Scale;
    /** The question. */
    question: Text;
    /** A free-text question asked after the score; without it, no comment box. */
    followUp?: Text;
    /** Shown after the answer; a built-in thank-you by default. */
    thanks?: Text;
  };

/** When a flow starts by itself. Every key given must hold: `page` and `event` together mean "this event on this page". After they hold, the flow waits `delayMs`. A flow without a trigger starts only from sb.start(id) or an action. */
export interface Trigger {
  /** The current page matches; re-checked on every navigation, including single-page-app route changes. */
  page?: Glob;
  /** A product event is tracked with sb.track(name). */
  event?: string;
  /** An element matching this selector appears on the page. */
  element?: Selector;
  /** Wait this many milliseconds after the rest of the trigger holds. */
  delayMs?: number;
}

/** A CSS selector, such as "#import" or "[data-tour=new-project]". Prefer attributes you add for the tour (data-tour) over generated class names, which change between releases. */
export type Selector = string;

/** How often a flow may show to one user. Without it a flow shows once. */
export interface Frequency {
  /** Show at most once. */
  once?: boolean;
  /** Show again after this much time has passed since it last showed. */
  every?: Duration;
  /** Show at most this many times in all. */
  maxTimes?: number;
  /** Show again on later triggers until the user completes it. */
  untilCompleted?: boolean;
}

/** A number and a unit (ms, s, m, h, d, w), parts may be combined: "90d", "12h", "1h30m", "2w". */
export type Duration = string;

/** One step of a tour: a tooltip next to an element, or a centred dialog without a target. */
export interface Step {
  /** Stable id, unique in the tour; events and the funnel report use it. */
  id: Id;
  /** The element to point at. Without it the step is a centred dialog. */
  target?: Target;
  /** Where the tooltip goes; it flips to the other side when there is no room. */
  placement?: Placement;
  /** The heading. */
  title?: Text;
  /** The text, with the Markdown subset. */
  body?: Text;
  /** What moves the tour on; by default the Next button. */
  advance?: Advance;
  /** What happens when the target is not on the page, or is out of sight (a closed drawer). */
  ifMissing?: IfMissing;
  /** How long `wait` waits for the target, in milliseconds. */
  waitMs?: number;
  /** The page this step belongs to, for tours across pages: the tour pauses until the user navigates there. */
  page?: Glob;
  /** Gap between tooltip and target, in pixels. */
  offset?: number;
  /** Space between the target and the highlighted cut-out, in pixels. */
  padding?: number;
  /** An extra button, such as {"label": {"en": "Skip to reports"}, "action": {"goTo": "reports"}}. */
  cta?: Cta;
}

/** The element to point at: a CSS selector, or a list of selectors tried in order, so a fallback can take over when the first one no longer matches. Selectors reach into open shadow roots. Where a selector matches several elements (a desktop and a phone copy of a control), the first one the user can see is taken. */
export type Target = Selector | Array<Selector>;

/** Where a tooltip goes relative to its target. `start` and `end` follow the reading direction (left and right are swapped on right-to-left pages). */
export type Placement = "top" | "top-start" | "top-end" | "bottom" | "bottom-start" | "bottom-end" | "left" | "left-start" | "left-end" | "right" | "right-start" | "right-end";

/** What moves a step on. Any key given advances the step when it happens; without `advance`, the Next button does. */
export interface Advance {
  /** A product event tracked with sb.track(name). */
  event?: string;
  /** A click on the step's target. */
  click?: boolean;
  /** Navigation to a page matching this pattern. */
  page?: Glob;
}

/** What a tour step does when its target is not on the page.  - `wait`: Wait for the target to appear (up to `waitMs`), then end the tour.  - `skip`: Go on to the next step.  - `center`: Show the step in the middle of the screen.  - `end`: End the tour at once. */
export type IfMissing = "wait" | "skip" | "center" | "end";

/** A button that does something. */
export interface Cta {
  /** The button's text. */
  label: Text;
  /** What it does. */
  action: Action;
}

/** What a button or checklist item does: "next", "back", "dismiss", "complete", or one of the objects. Actions are data, never code. */
export type Action =
  | "next" | "back" | "dismiss" | "complete"
  | {
    /** Start a flow by id (ends the current blocking one), optionally at a step of a tour. */
    startFlow: string;
    /** The id of the step to start at (tours only). */
    atStep?: string;
  }
  | {
    /** Inside a tour: jump to the step with this id. */
    goTo: string;
  }
  | {
    /** http(s)://, mailto: or a relative URL. */
    navigate: string;
  }
  | {
    /** http(s)://, mailto: or a relative URL. */
    openUrl: string;
    /** Open in a new tab. */
    newTab?: boolean;
  }
  | {
    /** Track a product event, as sb.track(name, properties) would. */
    track: string;
    /** Properties sent with the event. */
    properties?: Record<string, unknown>;
  }
  | {
    /** Call a handler the app registered with sb.registerAction(name, fn). */
    call: string;
  };

/** How an announcement shows.  - `modal`: A centred dialog that dims the page.  - `banner`: A bar across the top of the page.  - `slideout`: A card sliding in at the bottom corner (at the reading end; at the other end while a checklist shows, whose launcher holds that corner; on phones above that launcher, and out of sight while the checklist panel is open over it). Taller than the screen, its body scrolls. */
export type AnnouncementStyle = "modal" | "banner" | "slideout";

/** One task of a checklist. */
export interface ChecklistItem {
  /** Stable id, unique in the checklist. */
  id: Id;
  /** The task, for people. */
  label: Text;
  /** A line under the label. */
  description?: Text;
  /** When the task is done; usually {"milestone": "…"}. Ticks by itself, also for milestones reached before the checklist first showed. */
  done: Condition;
  /** What clicking the item does. */
  action?: Action;
}

/** The survey's scale.  - `nps`: Net Promoter Score, 0 to 10.  - `csat`: Customer satisfaction, 1 to 5.  - `ces`: Customer effort, 1 to 7. */
export type Scale = "nps" | "csat" | "ces";


//! Checklists: how far users get through each checklist, item by item.
//!
//! Definitions (range and segment as in `report`):
//! - population of a checklist: active users of the range who were shown it (a `flow_started`
//!   of the checklist) at or before the end of `to`;
//! - per item, `users` = population users with a `checklist_item_completed` for it at or before
//!   the end of `to`; `share` = ÷ population;
//! - `completed` / `dismissed` = population users with a `flow_completed` / `flow_dismissed` of
//!   the checklist at or before the end of `to`; `completion_rate` = completed ÷ population.
//!
//! Items are listed in the spec's order, then any other item ids the events carry.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::rollup::{ACTIVITY, CHECKLIST, FLOWS};

use super::{HashMap, HashSet};
use super::catalog::Label;
use super::table::{Table, V};
use super::users::NO_USER;
use super::{share, Catalog, Context, Query, ReportError};

#[derive(Debug, Serialize)]
pub struct Item {
    pub item_id: String,
    pub label: Label,
    pub users: u64,
    pub share: f64,
}

#[derive(Debug, Serialize)]
pub struct Checklist {
    pub flow_id: String,
    pub name: String,
    pub users: u64,
    pub completed: u64,
    pub dismissed: u64,
    pub completion_rate: f64,
    pub items: Vec<Item>,
}

#[derive(Debug, Serialize)]
pub struct Checklists {
    pub checklists: Vec<Checklist>,
}

pub async fn compute(ctx: &Context, q: &Query) -> Result<Checklists, ReportError> {
    let r = q.range;
    let users = &ctx.users;
    let (activity, items) = tokio::join!(ctx.scan(&ACTIVITY, Some((r.from, r.to)), None), ctx.scan(&CHECKLIST, Some((i64::MIN, r.end_ms())), None));
    let (activity, items) = (activity?, items?);
    let ucode = users.map_codes(&activity);
    let active: HashSet<u32> = activity.text_col(1).iter().map(|c| ucode.get(*c as usize).copied().unwrap_or(NO_USER)).filter(|u| users.inside(*u)).collect();

    // Item completions per checklist.
    let ucode = users.map_codes(&items);
    let mut done: BTreeMap<String, BTreeMap<String, HashSet<u32>>> = BTreeMap::new();
    let (fl, it, keys) = (items.text_col(0), items.text_col(1), items.text_col(2));
    for i in 0..items.len {
        let (Some(f), Some(item), Some(code)) = (fl.get(i), it.get(i), keys.get(i)) else { continue };
        let u = ucode.get(*code as usize).copied().unwrap_or(NO_USER);
        if active.contains(&u) {
            done.entry(items.text(*f).unwrap_or("").to_owned())
                .or_default()
                .entry(items.text(*item).unwrap_or("").to_owned())
                .or_default()
                .insert(u);
        }
    }
    let spec_lists: Vec<String> = ctx.catalog.flows.iter().filter(|f| f.kind == "checklist").map(|f| f.id.clone()).collect();
    let mut out = Vec::new();
    for flow in Catalog::order(&spec_lists, done.keys().cloned()) {
        let rows = ctx.scan(&FLOWS, Some((i64::MIN, r.to)), Some(&flow)).await?;
        let ucode = users.map_codes(&rows);
        // Bits per user: shown, completed, dismissed.
        let mut bits: HashMap<u32, u8> = HashMap::default();
        let (keys, started, completed, dismissed) = (rows.text_col(2), rows.int_col(4), rows.int_col(5), rows.int_col(6));
        for i in 0..rows.len {
            let Some(code) = keys.get(i) else { continue };
            let u = ucode.get(*code as usize).copied().unwrap_or(NO_USER);
            if !active.contains(&u) {
                continue;
            }
            let mut b = 0u8;
            if started.get(i).copied().unwrap_or(0) > 0 {
                b |= 1;
            }
            if completed.get(i).copied().unwrap_or(0) > 0 {
                b |= 2;
            }
            if dismissed.get(i).copied().unwrap_or(0) > 0 {
                b |= 4;
            }
            *bits.entry(u).or_default() |= b;
        }
        let population: HashSet<u32> = bits.iter().filter(|(_, b)| **b & 1 != 0).map(|(u, _)| *u).collect();
        let n = population.len() as u64;
        let count = |bit: u8| bits.iter().filter(|(u, b)| **b & bit != 0 && population.contains(u)).count() as u64;
        let desc = ctx.catalog.flow(&flow);
        let spec_items: Vec<String> = desc.map(|d| d.items.iter().map(|(id, _)| id.clone()).collect()).unwrap_or_default();
        let per_item = done.get(&flow);
        let item_rows = Catalog::order(&spec_items, per_item.map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default())
            .into_iter()
            .map(|item| {
                let reached = per_item.and_then(|m| m.get(&item)).map_or(0, |s| s.iter().filter(|u| population.contains(u)).count() as u64);
                Item {
                    label: desc.and_then(|d| d.items.iter().find(|(id, _)| *id == item)).map(|(_, l)| l.clone()).unwrap_or_default(),
                    item_id: item,
                    users: reached,
                    share: share(reached, n),
                }
            })
            .collect();
        let completed = count(2);
        out.push(Checklist {
            name: ctx.catalog.flow_name(&flow),
            flow_id: flow,
            users: n,
            completed,
            dismissed: count(4),
            completion_rate: share(completed, n),
            items: item_rows,
        });
    }
    Ok(Checklists { checklists: out })
}

impl Checklists {
    pub fn tables(&self) -> Vec<Table> {
        let mut t = Table::new("items", &["flow_id", "item_id", "users", "completed_item", "share"]);
        let mut lists = Table::new("checklists", &["flow_id", "users", "completed", "dismissed", "completion_rate"]);
        for c in &self.checklists {
            lists.push(vec![V::text(&c.flow_id), c.users.into(), c.completed.into(), c.dismissed.into(), V::Num(c.completion_rate)]);
            for i in &c.items {
                t.push(vec![V::text(&c.flow_id), V::text(&i.item_id), c.users.into(), i.users.into(), V::Num(i.share)]);
            }
        }
        vec![lists, t]
    }
}

//! Every string the centre's pages show, Chinese first and English (`?lang=en`); the strings
//! both consoles show (sign-in, error pages, signature lines) are `hallclock_web::lang::SHARED`.

use hallclock_web::lang::{text_in, Lang, Strings};

const STRINGS: &Strings = &[
    (
        "app",
        "政务服务中心考勤考核(县级)",
        "Service halls: county attendance and assessment",
    ),
    ("role.inspector", "稽查督办科", "inspector"),
    ("role.supervisor", "大厅负责人", "hall supervisor"),
    ("role.director", "中心主任", "director"),
    ("role.finance", "财务", "finance"),
    ("role.admin", "管理员", "admin"),
    ("nav.county", "全县总览", "County"),
    ("nav.sheet", "月度考核表", "Month sheet"),
    ("nav.year", "评先评优", "Year awards"),
    ("nav.records", "稽查记录", "Inspection records"),
    ("county.title", "全县总览", "County overview"),
    ("county.hall", "大厅", "Hall"),
    ("county.doors", "门禁(在线/共)", "Doors (online/all)"),
    ("county.today", "今日打卡", "Punches today"),
    (
        "county.silent",
        "工作时间无响应的门禁",
        "Doors silent in working hours",
    ),
    (
        "county.none_silent",
        "没有无响应的门禁。",
        "No door is silent.",
    ),
    ("county.device", "门禁", "Door"),
    ("county.last_seen", "最后联系", "Last heard from"),
    ("county.never", "从未", "never"),
    (
        "sheet.title",
        "月度考核及专项资金发放表",
        "Month assessment and fund sheet",
    ),
    ("sheet.hall", "大厅", "Hall"),
    ("sheet.month", "月份", "Month"),
    ("sheet.show", "查询", "Show"),
    (
        "sheet.xlsx",
        "下载 Excel(各厅一页)",
        "Download xlsx (a sheet per hall)",
    ),
    ("sheet.csv", "下载 CSV", "Download CSV"),
    (
        "sheet.adjustments",
        "往月调整",
        "Adjustments of earlier months",
    ),
    ("sheet.closed", "本月已结账", "This month is closed"),
    (
        "sheet.open",
        "本月未结账,数据随上传更新",
        "This month is open: it changes as uploads arrive",
    ),
    ("person.title", "个人月度明细", "A person's month"),
    ("person.staff", "工号", "Staff id"),
    ("person.name", "姓名", "Name"),
    ("person.line", "考核结果", "Result"),
    ("person.records", "稽查记录", "Inspection records"),
    (
        "person.punches",
        "打卡记录(各门合并)",
        "Punches (every door)",
    ),
    ("person.none", "无", "none"),
    ("person.time", "时间", "Time"),
    ("person.door", "门禁", "Door"),
    ("person.seq", "序号", "Seq"),
    ("person.clock", "时钟", "Clock"),
    ("person.trusted", "已校准", "trusted"),
    ("person.untrusted", "未校准", "not trusted"),
    (
        "year.title",
        "年度评先评优资格",
        "The year's award eligibility",
    ),
    ("year.year", "年份", "Year"),
    ("year.post", "窗口", "Window"),
    ("year.deducted", "全年扣分", "Deducted this year"),
    ("year.standing", "资格", "Standing"),
    ("year.eligible", "可参评", "eligible"),
    (
        "year.barred_points",
        "全年扣分≥30",
        "30 or more points deducted",
    ),
    ("year.barred_d1", "本人有D1", "a D1 of their own"),
    (
        "year.barred_window",
        "同窗口有D1",
        "a D1 at the same window",
    ),
    ("records.title", "稽查记录", "Inspection records"),
    ("records.add", "录入稽查记录", "Record an item"),
    ("records.item", "项目", "Item"),
    ("records.day", "日期", "Day"),
    ("records.times", "次数", "Times"),
    ("records.note", "说明", "Note"),
    (
        "records.withhold",
        "C3:被拍摄上网或纪委查处(扣发当月)",
        "C3: filmed and posted, or by the discipline commission (withholds the month)",
    ),
    ("records.submit", "录入", "Record"),
    ("records.added", "已录入稽查记录", "Recorded item"),
    ("records.id", "编号", "No."),
    ("records.author", "记录人", "By"),
    ("records.state", "状态", "State"),
    ("records.valid", "有效", "in force"),
    ("records.voided", "已作废", "voided"),
    ("records.void", "作废", "Void"),
    ("records.reason", "作废原因", "Reason"),
    ("records.void_done", "已作废记录", "Voided record"),
    (
        "records.close",
        "结账(冻结本月考核表)",
        "Close the month (freeze its sheet)",
    ),
    ("records.close_submit", "结账", "Close"),
    ("records.closed", "已结账", "Closed"),
    (
        "error.bad_request",
        "请求参数有误",
        "The request is not understood",
    ),
    (
        "error.no_hall",
        "没有这个大厅,或您无权查看。",
        "No such hall, or you may not see it.",
    ),
];

/// The English headers of the month sheet, in the order of `render`'s Chinese ones.
pub const SHEET_HEADER_EN: [&str; 12] = [
    "Staff id",
    "Name",
    "Conduct (30)",
    "Attendance (30)",
    "Cases (20)",
    "Discipline (20)",
    "Score",
    "Deducted (before floor)",
    "Days on list / in month",
    "Earned (yuan)",
    "Withheld",
    "Due (yuan)",
];

/// The text of `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> &'static str {
    text_in(STRINGS, lang, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_clean_and_every_key_used_is_in_it() {
        assert_eq!(
            hallclock_web::lang::table_problems(STRINGS),
            Vec::<String>::new()
        );
        // Every page of this folder, new ones included.
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
        let mut sources = Vec::new();
        for entry in std::fs::read_dir(folder).unwrap() {
            sources.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        assert!(sources.len() >= 7, "the pages are in {folder}");
        let missing: Vec<&str> = sources
            .iter()
            .flat_map(|src| hallclock_web::lang::literal_keys(src))
            .filter(|key| t(Lang::Zh, key) == "?")
            .collect();
        assert!(missing.is_empty(), "keys missing: {missing:?}");
    }
}

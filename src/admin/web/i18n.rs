//! Every string the console shows, in one table: Chinese (the default) and English. Pages ask
//! [`t`] for a key; a test checks that each key the pages use is in the table with both texts.

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `zh` or `en` (as in `?lang=` and the cookie).
    pub fn key(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// (key, Chinese, English).
const STRINGS: &[(&str, &str, &str)] = &[
    ("app", "政务服务中心考勤管理", "Service hall attendance"),
    ("error", "出错了", "Error"),
    ("error.internal", "内部错误,已记录日志;请联系管理员。", "Internal error (logged); please tell the administrator."),
    ("error.signin", "请先登录。", "Please sign in first."),
    ("error.forbidden", "您的角色无权执行此操作。", "Your role may not do this."),
    ("error.csrf", "表单已失效(缺少或错误的安全令牌),请刷新页面后重试。", "The form has expired (missing or wrong security token); reload the page and try again."),
    ("login.title", "登录", "Sign in"),
    ("login.name", "用户名", "User name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.wrong", "用户名或密码错误。", "Wrong user name or password."),
    ("login.locked", "密码错误次数过多,账号已锁定,请稍后再试。", "Too many wrong passwords: the account is locked; try again later."),
    ("login.failed", "登录失败:用户名或密码错误,或尝试次数过多(请稍后再试)。", "Sign-in failed: wrong user name or password, or too many attempts (try again later)."),
    ("login.too_many", "此地址登录尝试过于频繁,请一分钟后再试。", "Too many sign-in attempts from this address: try again in a minute."),
    ("login.busy", "控制台正忙,请稍后再试。", "The console is busy: try again in a moment."),
    ("role.admin", "管理员", "admin"),
    ("role.supervisor", "督查", "supervisor"),
    ("role.viewer", "查看", "viewer"),
    ("nav.staff", "人员", "Staff"),
    ("nav.enrol", "人脸录入", "Enrol"),
    ("nav.leave", "请假", "Leave"),
    ("nav.report", "月报", "Month report"),
    ("nav.calendar", "考勤日历", "Calendar"),
    ("nav.amend", "补卡更正", "Amend punches"),
    ("nav.status", "运行状态", "Status"),
    ("nav.audit", "操作日志", "Audit log"),
    ("nav.spoofs", "代打卡嫌疑", "Suspected spoofs"),
    ("spoof.none", "本月没有代打卡嫌疑。", "No suspected spoof this month."),
    ("report.spoofs", "代打卡嫌疑(已记/已拒)", "Suspected spoofs (kept/refused)"),
    ("report.spoofs_list", "代打卡嫌疑明细", "Suspected spoofs, one by one"),
    ("spoof.door", "门禁", "Door"),
    ("spoof.outcome", "处理", "Outcome"),
    ("spoof.score", "活体分", "Live score"),
    ("spoof.why", "原因", "Why"),
    ("spoof.evidence", "现场截图", "Evidence frame"),
    ("spoof.evidence.view", "查看", "view"),
    ("spoof.evidence.gone", "截图不存在或已过保存期限。", "No such evidence frame, or it is past its retention."),
    ("spoof.refused", "已拒绝，未记打卡", "Refused, no punch"),
    ("spoof.flagged", "已记打卡，待核查", "Punch kept, to check"),
    ("spoof.reason.model", "活体模型判为照片或屏幕", "the liveness model saw a photo or a screen"),
    ("spoof.reason.flat", "人脸移动如同平面", "the face moved as a flat plane"),
    ("spoof.reason.still", "走近时人脸纹丝不动", "the face stayed perfectly still"),
    ("spoof.reason.bezel", "人脸在屏幕边框内", "the face was inside a screen's bezel"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.gaps", "窗口断档", "Unattended windows"),
    ("nav.posts", "窗口岗位", "Window posts"),
    ("nav.duty", "值班表", "Duty roster"),
    ("nav.holidays", "节假日", "Holidays"),
    ("nav.meetings", "会议签到", "Meetings"),
    ("nav.report_day", "日报", "Day report"),
    ("nav.report_year", "年报", "Year report"),
    ("report.day", "日期", "Day"),
    ("report.year", "年份", "Year"),
    ("report.none", "没有断档", "No unattended windows"),
    ("post.a", "A角(主办)", "A (holder)"),
    ("post.b", "B角(备岗)", "B (backup)"),
    ("post.set", "保存岗位", "Save post"),
    ("post.done", "已保存岗位", "Post saved:"),
    ("duty.sessions", "班次", "Sessions"),
    ("duty.import", "导入值班表 CSV(staff_id,date[,sessions])", "Import a duty roster CSV (staff_id,date[,sessions])"),
    ("duty.submit", "导入", "Import"),
    ("duty.done", "已导入值班条目", "Duty entries imported:"),
    ("duty.note", "以下条目落在工作日,按工作日考勤", "These entries fall on working days and are judged as working days"),
    ("holiday.kind", "类型", "Kind"),
    ("holiday.holiday", "节假日", "Holiday"),
    ("holiday.workday", "调休上班", "Make-up workday (调休)"),
    ("holiday.import", "导入节假日文件(替换文件中出现年份的日历)", "Import a holiday file (replaces the calendar of each year it mentions)"),
    ("holiday.done", "已导入节假日文件", "Holiday file imported"),
    ("meeting.title", "会议名称", "Title"),
    ("meeting.start", "开始", "Start"),
    ("meeting.end", "结束", "End"),
    ("meeting.invite", "应到人员(逗号分隔,空为全体)", "Invited (comma-separated; empty: everyone)"),
    ("meeting.sign_in", "签到(每行 工号=时间,如 0001=15:02)", "Sign-ins (one per line, STAFF=TIME, e.g. 0001=15:02)"),
    ("meeting.invited", "应到", "Invited"),
    ("meeting.signed", "已签到", "Signed in"),
    ("meeting.submit", "记录会议", "Record meeting"),
    ("meeting.done", "已记录会议", "Meeting recorded:"),
    ("status.checks", "自检(doctor)", "Checks (doctor)"),
    ("status.check", "检查项", "Check"),
    ("status.ok", "正常", "ok"),
    ("status.problem", "异常", "problem"),
    ("status.warning", "注意", "warning"),
    ("status.skipped", "未检查", "not checked"),
    ("search", "查询", "Search"),
    ("yes", "是", "yes"),
    ("no", "否", "no"),
    ("col.id", "工号", "Staff id"),
    ("col.name", "姓名", "Name"),
    ("col.post", "窗口", "Window"),
    ("col.active", "在岗", "Active"),
    ("col.faces", "人脸数", "Faces"),
    ("col.date", "日期", "Date"),
    ("col.time", "时间", "Time"),
    ("staff.search", "工号、姓名、拼音首字母、窗口或派驻单位", "id, name, pinyin initials, window or department"),
    ("staff.count", "人", "people"),
    ("staff.deactivate", "停用并删除人脸", "Deactivate (erase faces)"),
    ("staff.deactivated", "已停用", "Deactivated"),
    ("staff.erased", "条人脸特征已删除", "face embeddings erased"),
    ("enrol.name", "姓名(新人员必填)", "Name (required for a new person)"),
    ("enrol.photos", "照片(1–5张,正脸、单人、光线充足)", "Photos (1–5, facing the camera, alone, well lit)"),
    ("enrol.notice", "人脸信息属于敏感个人信息,须本人单独同意。请确认本人已阅读告知书并同意录入。", "Face data is sensitive personal information and needs the person's separate consent. Confirm the person has read the notice and agrees."),
    ("enrol.notice_version", "告知书版本", "notice version"),
    ("enrol.consent", "本人已阅读告知书并同意录入人脸信息", "The person has read the notice and consents to face enrolment"),
    ("enrol.submit", "录入", "Enrol"),
    ("enrol.need_id", "请填写工号。", "Enter the staff id."),
    ("enrol.need_consent", "未勾选本人同意:未保存任何信息。", "Consent not ticked: nothing was saved."),
    ("enrol.refused", "录入被拒绝,未保存任何信息:", "Enrolment refused, nothing was saved:"),
    ("enrol.too_large", "上传文件过大", "The upload is too large"),
    ("enrol.done", "录入成功", "Enrolled"),
    ("enrol.faces", "张人脸", "face(s)"),
    ("enrol.camera", "从门口摄像头录入", "From the door camera"),
    ("enrol.camera_help", "请本人站在门口摄像头前,按提示调整;画面框为绿色时点击“拍摄录入”,系统取连续三帧合格画面录入(最多等待20秒)。", "Have the person stand before the door camera and follow the hint; when the box is green, press Capture: three good frames in a row are enrolled (waits up to 20 s)."),
    ("enrol.capture", "拍摄录入", "Capture and enrol"),
    ("preview.waiting", "正在等待摄像头画面……", "Waiting for the camera…"),
    ("preview.no_face", "未检测到人脸,请站到摄像头前", "No face found: stand in front of the camera"),
    ("preview.pass", "合格,请保持不动", "Good: hold still"),
    ("preview.no_camera", "此处没有摄像头:控制台单独运行(hallclock console),未与门口考勤程序一起运行;请上传照片录入。", "No camera here: this console runs without the door daemon (hallclock console); enrol by uploading photos."),
    ("enrol.lookalike", "已按同一人重新录入;以下原工号的人脸数据已删除并停用:", "Re-enrolled as the same person; face data erased and deactivated for:"),
    ("enrol.same_person", "同一人换工号重新录入:请输入人脸原登记的工号确认(该工号将删除人脸数据并停用)", "The same person enrolled again under this id: type the id the face is enrolled under to confirm (that id loses its face data and is deactivated)"),
    ("leave.kind", "类别", "Kind"),
    ("leave.from", "开始", "From"),
    ("leave.to", "结束", "To"),
    ("leave.cover", "顶岗人员(B角)", "Cover (B)"),
    ("leave.reason", "事由", "Reason"),
    ("leave.submit", "登记请假", "Record leave"),
    ("leave.list", "请假记录", "leave"),
    ("leave.days", "天", "days"),
    ("leave.approval", "审批", "Approval"),
    ("leave.approve", "批准", "Approve"),
    ("leave.approved", "已批准", "approved"),
    ("leave.needs", "需审批", "needs approval by"),
    ("leave.no_cover", "无(脱岗)", "none (post unattended)"),
    ("leave.no_cover_warning", "无人顶岗,按脱岗处理。", "No cover: the sessions count as absence."),
    ("leave.recorded", "已登记请假", "Leave recorded"),
    ("leave.certified_by", "窗口单位负责人", "certified by (unit head)"),
    ("level.inspection", "稽查督办科", "inspection office"),
    ("level.deputy", "分管领导", "deputy director"),
    ("level.director", "主要领导(需单位证明)", "director (with unit certificate)"),
    ("session.am", "上午", "morning"),
    ("session.pm", "下午", "afternoon"),
    ("report.month", "月份", "Month"),
    ("report.csv", "下载 CSV", "Download CSV"),
    ("report.xlsx", "下载 Excel", "Download Excel"),
    ("report.as_of", "统计截至", "as of"),
    ("print.made_by", "制表人", "Prepared by"),
    ("print.checked_by", "审核人", "Checked by"),
    ("print.date", "日期", "Date"),
    ("print.printed", "打印于", "printed"),
    ("report.late", "迟到(次)", "Late"),
    ("report.late_min", "迟到(分钟)", "Late (min)"),
    ("report.early", "早退(次)", "Early"),
    ("report.missing", "缺卡(次)", "Missing"),
    ("report.absent", "缺岗(天)", "Absent (days)"),
    ("report.leave", "请假(天)", "Leave (days)"),
    ("report.deduction", "扣分", "Deducted"),
    ("report.score", "得分", "Score"),
    ("report.hall", "全中心", "Whole hall"),
    ("report.gaps", "窗口断档", "Unattended windows"),
    ("mark.on_time", "正常", "on time"),
    ("mark.late", "迟到", "late"),
    ("mark.early", "早退", "early"),
    ("mark.missing", "缺卡", "missing"),
    ("mark.leave", "请假", "leave"),
    ("mark.absent", "缺岗", "absent"),
    ("mark.pending", "待定", "pending"),
    ("mark.off", "休息", "day off"),
    ("mark.not_judged", "未录入", "not enrolled"),
    ("mark.duty", "值班", "duty"),
    ("mark.duty_done", "值班已到", "duty done"),
    ("mark.duty_missed", "值班缺勤", "duty missed"),
    ("mark.amended", "含更正", "amended"),
    ("nav.today", "今日考勤", "Today"),
    ("nav.sheet", "签到表", "Sign-in sheet"),
    ("today.as_of", "截至", "as of"),
    ("today.refresh", "本页每60秒自动刷新", "this page refreshes itself every 60 s"),
    ("today.day_off", "今天不是工作日。", "Today is not a working day."),
    ("today.not_started", "尚未开始", "not started yet"),
    ("today.gaps", "断档窗口(A、B角均不在岗)", "Windows with neither A nor B present (断档)"),
    ("today.no_gaps", "没有断档窗口。", "No window is unattended."),
    ("today.late", "迟到", "Late"),
    ("today.not_arrived", "未到", "Not arrived"),
    ("today.away", "请假、休息", "On leave or off"),
    ("today.on_time", "已到(准时)", "Arrived on time"),
    ("today.not_yet", "未到", "not yet"),
    ("today.clock_in", "签到时间", "Clock-in"),
    ("today.late_by", "迟到时长", "Late by"),
    ("today.door", "门", "Door"),
    ("today.cover", "顶岗", "covered by"),
    ("today.morning_faults", "上午迟到、缺卡、缺岗", "This morning: late, missing, absent"),
    ("today.state", "状态", "State"),
    ("unit.min", "分钟", "min"),
    ("sheet.daily", "考勤日报:签到签退", "Daily sheet: clock-in and clock-out"),
    ("sheet.am_in", "上午签到", "Morning in"),
    ("sheet.am_out", "上午签退", "Morning out"),
    ("sheet.pm_in", "下午签到", "Afternoon in"),
    ("sheet.pm_out", "下午签退", "Afternoon out"),
    ("sheet.added", "补录", "added"),
    ("sheet.off", "休", "off"),
    ("sheet.legend", "每格:上午 签到–签退、下午 签到–签退;(+分)迟到,(−分)早退,…尚未结束", "each cell: morning in–out, afternoon in–out; (+min) late, (−min) early, … not over yet"),
    ("wd.1", "一", "Mon"),
    ("wd.2", "二", "Tue"),
    ("wd.3", "三", "Wed"),
    ("wd.4", "四", "Thu"),
    ("wd.5", "五", "Fri"),
    ("wd.6", "六", "Sat"),
    ("wd.7", "日", "Sun"),
    ("amend.at", "时间(年-月-日 时:分)", "Time (YYYY-MM-DD HH:MM)"),
    ("amend.action", "更正", "Correction"),
    ("amend.add", "补卡", "add a punch"),
    ("amend.void", "作废", "void a punch"),
    ("amend.add_title", "补卡或按时间更正", "Add a punch, or correct one by its time"),
    ("amend.list", "查看当天打卡", "Show the day's punches"),
    ("amend.punches", "当天打卡记录(选择一条作废)", "the day's punches (pick one to void)"),
    ("amend.none", "当天没有打卡记录。", "No punch that day."),
    ("amend.voided", "已作废", "voided"),
    ("amend.valid", "有效", "valid"),
    ("amend.void_this", "作废此条", "Void this one"),
    ("amend.need_staff", "请填写工号。", "Enter the staff id."),
    ("amend.bad_time", "时间格式不对,应为 年-月-日 时:分(如 2026-11-03 08:05):", "Time not understood, expected YYYY-MM-DD HH:MM (e.g. 2026-11-03 08:05):"),
    ("amend.bad_date", "日期格式不对,应为 年-月-日(如 2026-11-03):", "Date not understood, expected YYYY-MM-DD (e.g. 2026-11-03):"),
    ("amend.need_reason", "请填写更正原因。", "Enter why the record is corrected."),
    ("amend.reason", "原因(必填)", "Reason (required)"),
    ("amend.submit", "提交更正", "Record the amendment"),
    ("amend.done", "已记录更正(单独记录,报表中标注为更正)", "Amendment recorded (a separate record, marked as such in reports)"),
    ("status.clock", "时钟", "Clock"),
    ("status.trusted", "已同步(可信)", "synchronised (trusted)"),
    ("status.untrusted", "未同步(不可信)", "not synchronised (untrusted)"),
    ("status.clock_unchecked", "未检查(已关闭时钟同步检查,打卡按本机时间判定)", "not checked (the synchronisation check is off; punches are judged on this clock)"),
    ("status.outbox", "待上传", "Outbox (pending)"),
    ("status.parked", "被拒收", "Parked (refused)"),
    ("status.oldest", "最早待上传", "Oldest pending"),
    ("status.last_upload", "最近上传", "Last upload"),
    ("status.enrolled", "已录入人数", "People enrolled"),
    ("status.schema", "数据库版本", "Database schema"),
    ("status.recent", "最近识别", "Latest recognitions"),
    ("audit.who", "操作人", "Who"),
    ("audit.what", "操作", "What"),
    ("audit.detail", "内容", "Detail"),
    ("find.person", "人员(工号、姓名或拼音首字母)", "Person (id, name or pinyin initials)"),
    ("find.hint", "如 0001、王芳 或 wf", "e.g. 0001, 王芳 or wf"),
    ("col.department", "派驻单位", "Department"),
    ("page.prev", "上一页", "Previous page"),
    ("page.next", "下一页", "Next page"),
    ("page.page", "第", "Page"),
    ("page.rows", "条", "rows"),
    ("month.prev", "上个月", "Previous month"),
    ("month.next", "下个月", "Next month"),
    ("leave.who", "请假人(工号、姓名或拼音首字母)", "Who (id, name or pinyin initials)"),
    ("leave.actions", "操作", "Actions"),
    ("leave.edit", "修改", "Edit"),
    ("leave.save", "保存修改", "Save changes"),
    ("leave.edited", "已修改", "changed"),
    ("leave.cancel", "撤销", "Cancel"),
    ("leave.cancelled", "已撤销", "cancelled"),
    ("leave.close", "销假", "Close (back at work)"),
    ("leave.closed", "已销假", "closed"),
    ("leave.is_closed", "已销假", "Closed"),
    ("leave.back_on", "返岗日期", "Back on"),
    ("leave.bad_date", "日期格式不对,应为 年-月-日(如 2026-11-03):", "Date not understood, expected YYYY-MM-DD (e.g. 2026-11-03):"),
    ("leave.bad_kind", "请假类别不对:", "Not a leave kind:"),
    ("leave.backwards", "结束早于开始,请检查日期", "The leave ends before it starts; check the dates"),
    ("leave.need_staff", "请填写请假人(工号、姓名或拼音首字母)。", "Enter who is on leave (id, name or pinyin initials)."),
    ("leave.need_id", "缺少请假编号。", "The leave number is missing."),
    ("leave.not_in_month", "不在本月的请假记录中,请从请假列表进入修改。", "is not among this month's leave; open it from the leave list."),
    ("staff.type_id", "输入工号确认", "type the id to confirm"),
    ("staff.need_id", "缺少工号。", "The staff id is missing."),
    ("post.retire", "停用", "Retire"),
    ("post.retired", "已停用的岗位(保留历史,不再使用)", "Retired posts (history kept, no longer offered)"),
    ("post.retired_done", "已停用岗位", "Post retired:"),
    ("post.need_post", "请填写窗口岗位编号,如 W03。", "Enter the window post's id, e.g. W03."),
    ("post.need_ab", "请填写A角和B角(工号、姓名或拼音首字母)。", "Enter A and B (id, name or pinyin initials)."),
    ("mark.not_yet", "未到", "not yet"),
];

/// The text of `key` in `lang` (the key itself when the table lacks it; a test forbids that).
pub fn t(lang: Lang, key: &str) -> &'static str {
    match STRINGS.iter().find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => match lang {
            Lang::Zh => zh,
            Lang::En => en,
        },
        None => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (k, zh, en) in STRINGS {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k} lacks a text");
        }
    }

    /// Every literal key the pages pass to `t` is in the table.
    #[test]
    fn every_key_used_is_in_the_table() {
        let sources = [
            include_str!("amend.rs"),
            include_str!("audit.rs"),
            include_str!("calendar.rs"),
            include_str!("common.rs"),
            include_str!("enrol.rs"),
            include_str!("leave.rs"),
            include_str!("report.rs"),
            include_str!("session.rs"),
            include_str!("staff.rs"),
            include_str!("status.rs"),
            include_str!("html.rs"),
            include_str!("hall.rs"),
            include_str!("spoofs.rs"),
            include_str!("today.rs"),
            include_str!("table.rs"),
        ];
        let mut missing = Vec::new();
        for src in sources {
            for piece in src.split('"').skip(1).step_by(2) {
                let looks_like_key = piece.contains('.')
                    && piece.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'
                    })
                    && STRINGS
                        .iter()
                        .any(|(k, _, _)| k.split('.').next() == piece.split('.').next());
                if looks_like_key && t(Lang::Zh, piece) == "?" {
                    missing.push(piece.to_string());
                }
            }
        }
        for role in ["admin", "supervisor", "viewer"] {
            assert_ne!(t(Lang::En, &format!("role.{role}")), "?");
        }
        assert!(
            missing.is_empty(),
            "keys missing from the table: {missing:?}"
        );
        assert_eq!(t(Lang::Zh, "nav.report"), "月报");
        assert_eq!(t(Lang::En, "nav.report"), "Month report");
    }
}

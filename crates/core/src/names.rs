//! Finding a person by what a supervisor types: the staff id, the name or part of it, or the
//! pinyin initials of the name (`wf` finds 王芳). The initials come from a small table of the
//! common surname and given-name characters (no dictionary download); a character not in it
//! matches only itself. A polyphonic character (单, 曾, 乐) answers to each of its initials.
//!
//! Pure: people in, matches out. Must not read the store nor decide what a form does with an
//! ambiguous answer (the app asks the user to choose).

use crate::ids::StaffId;

/// The initial of each listed character, by initial. A character may be listed under two.
const INITIALS: &[(char, &str)] = &[
    ('a', "安艾爱敖奥昂傲"),
    (
        'b',
        "白包鲍毕边卞柏贝北宝保彬斌冰兵波博伯步本碧璧标表别滨蓓百班邦榜帮豹卜薄贲秉炳",
    ),
    (
        'c',
        "陈程曹蔡崔常车成储褚柴岑从楚池迟查晁昌长畅超朝晨辰承诚澄春纯聪翠才财灿苍策婵昌琛宸驰崇楚川传创淳慈聪存操曾",
    ),
    (
        'd',
        "邓丁杜董戴段窦狄翟刁单党邸达大丹德登笛迪蒂典殿定东冬栋洞都斗端敦多朵道得娣迪",
    ),
    ('e', "鄂尔恩娥蛾儿"),
    (
        'f',
        "冯范方付傅费樊房丰符封凡帆繁芳芬纷飞菲斐峰锋凤枫逢奉福富甫夫芙扶馥复发法番梵放",
    ),
    (
        'g',
        "郭高顾龚关葛耿甘谷管古巩桂广贡干钢刚纲港皋高歌革阁格根庚耕工功恭公宫光广贵国果冠官观贯光",
    ),
    (
        'h',
        "黄胡何韩贺侯洪胡华霍郝衡黄花华桦欢焕辉慧惠蕙晖会汇浩昊皓灏瀚翰涵寒含航杭豪好合和河荷红宏弘鸿虹泓厚后虎琥沪化怀环缓皇煌辉徽海",
    ),
    (
        'j',
        "江蒋金姜贾焦景靳季纪简嵇吉冀解家佳嘉佳甲坚建剑健江姣娇杰洁婕捷结金锦谨晋进京晶菁精静靖敬镜九久君俊军骏峻钧菊巨娟隽觉嘉基积吉继济",
    ),
    ('k', "孔康柯况匡阚卡凯楷康慷可克科恪坤昆琨魁奎宽旷堃"),
    (
        'l',
        "李刘林罗梁卢吕陆龙黎雷廖赖兰蓝冷郎乐凌连练路栗骆鲁娄柳蔺来岚澜朗浪乐雷蕾磊丽莉俐利立力历励厉琳霖麟玲凌灵龄铃伶领令柳六龙隆珑楼露璐鹿禄路伦论洛络莲怜廉良亮量烈林磊",
    ),
    (
        'm',
        "马毛孟莫梅苗穆缪闵麦满米明敏民铭茗鸣妙淼苗美梅玫媚萌蒙孟梦弥密绵冕勉淼漫曼茂貌眉墨默木牧慕沐穆",
    ),
    ('n', "倪牛聂宁年乃南楠男娜纳能妮霓念宁凝浓暖诺女"),
    ('o', "欧区偶鸥"),
    (
        'p',
        "潘彭庞裴皮蒲浦朴平萍屏鹏朋沛佩培盼攀派品聘珀璞普",
    ),
    (
        'q',
        "钱秦邱丘齐戚祁乔覃瞿全屈强强琪琦棋旗奇其启起绮千芊倩茜谦乾钦勤琴青清晴庆秋球求泉权群乔巧俏桥庆琼芹沁祺骞",
    ),
    ('r', "任阮饶容荣冉芮若蕊瑞润然冉仁日融如儒汝锐"),
    (
        's',
        "孙宋苏沈石史邵施孙帅舒司尚沙盛申单沈山杉珊善尚韶少绍舍深神升生声胜圣诗石时实世仕士淑书舒树帅双爽顺硕思斯松颂素肃随穗遂燊森桑三",
    ),
    (
        't',
        "唐汤田陶谭滕童涂邰太泰谭坦堂棠涛桃腾天田恬婷庭亭廷通同彤童统图土团拓",
    ),
    (
        'w',
        "王吴汪魏武万卫韦温文翁邬伍闻王旺望威薇微巍伟玮纬维炜蔚文雯闻稳问沃无吾梧武舞务雾婉琬宛万皖网危卫",
    ),
    (
        'x',
        "徐许谢肖萧薛夏熊向邢辛席项解喜溪曦熙希夕西锡霞夏仙先贤娴弦显宪献香湘翔祥想向晓小孝笑效欣新心馨鑫信星兴杏幸雄熊修秀旭绪轩宣萱璇雪学勋萱",
    ),
    (
        'y',
        "杨叶于余袁姚严尹易殷岳闫阎晏应游尤喻俞虞郁雨禹玉钰宇羽语育裕誉渊元园源远苑媛月悦越跃云芸昀韵运蕴雅亚娅亚妍岩炎言研艳燕彦雁阳洋扬杨瑶遥耀业叶一伊依怡宜仪艺毅益逸谊翼银寅英莹颖影应永勇咏泳优友有佑又宇雨玉乐瑜羽芋",
    ),
    (
        'z',
        "张赵周朱郑曾钟邹庄卓詹左查臧甄章翟祝竺宗张泽增展战湛章彰昭照哲真振震镇征正政之志智致中忠钟仲舟州洲珠竹主柱卓子梓紫自宗综祖尊佐作卓姿资滋紫",
    ),
];

/// The initials a character answers to (none: not in the table).
fn initials_of(c: char) -> Vec<char> {
    INITIALS
        .iter()
        .filter(|(_, chars)| chars.contains(c))
        .map(|(initial, _)| *initial)
        .collect()
}

/// Whether `query` (lower-case ASCII letters) is the pinyin initials of `name` from its first
/// character, in full (`whole`) or as a prefix. A character outside the table matches nothing,
/// and an ASCII letter of the name matches itself.
fn initials_match(query: &str, name: &str, whole: bool) -> bool {
    let name: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    let query: Vec<char> = query.chars().collect();
    if query.is_empty() || query.len() > name.len() || (whole && query.len() != name.len()) {
        return false;
    }
    query.iter().zip(&name).all(|(q, c)| {
        if c.is_ascii_alphabetic() {
            c.to_ascii_lowercase() == *q
        } else {
            initials_of(*c).contains(q)
        }
    })
}

/// A key that orders names by pinyin as a hall office lists them (按拼音): each character's
/// first initial (an ASCII letter as itself, lower-case; a character outside the table after
/// `z`), then the name itself to break ties.
///
/// # Example
/// ```
/// # use hallclock_core::names::pinyin_key;
/// let mut names = ["张伟", "王芳", "李强", "陈静"];
/// names.sort_by_key(|n| pinyin_key(n));
/// assert_eq!(names, ["陈静", "李强", "王芳", "张伟"]);
/// ```
pub fn pinyin_key(name: &str) -> (String, String) {
    let initials = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if c.is_ascii_alphabetic() {
                c.to_ascii_lowercase()
            } else {
                initials_of(c).first().copied().unwrap_or('~')
            }
        })
        .collect();
    (initials, name.to_string())
}

/// Whether `query` looks like pinyin initials: ASCII letters only.
fn is_initials(query: &str) -> bool {
    !query.is_empty() && query.chars().all(|c| c.is_ascii_alphabetic())
}

/// Whether the person `id` named `name` matches what was typed into a search box: part of the
/// id or of the name (case-insensitive), or the start of the name's pinyin initials.
///
/// # Example
/// ```
/// # use hallclock_core::names::matches;
/// assert!(matches("wf", "0001", "王芳"));
/// assert!(matches("王", "0001", "王芳"));
/// assert!(matches("01", "0001", "王芳"));
/// assert!(!matches("lq", "0001", "王芳"));
/// ```
pub fn matches(query: &str, id: &str, name: &str) -> bool {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return true;
    }
    id.to_lowercase().contains(&q)
        || name.to_lowercase().contains(&q)
        || (is_initials(&q) && initials_match(&q, name, false))
}

/// One way a typed text may name a person (id, name).
type Tier<'a> = dyn Fn(&StaffId, &str) -> bool + 'a;

/// What a name typed into a form's staff field points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Exactly one person.
    One(StaffId),
    /// Several: the form must ask which (in the order given).
    Many(Vec<StaffId>),
    Nobody,
}

/// The person a form's staff field means, among `people` (id, name): an exact id first, then
/// an exact name, then the name's pinyin initials in full (`wf` for 王芳), then part of a name
/// or id or the start of the initials. The first of these that finds anybody answers.
///
/// # Example
/// ```
/// # use hallclock_core::ids::StaffId;
/// # use hallclock_core::names::{find, Found};
/// let id = |s: &str| StaffId::new(s).unwrap();
/// let people = [(id("0001"), "王芳".to_string()), (id("0002"), "王峰".to_string())];
/// assert_eq!(find("0002", &people), Found::One(id("0002")));
/// assert_eq!(find("王芳", &people), Found::One(id("0001")));
/// assert_eq!(find("wf", &people), Found::Many(vec![id("0001"), id("0002")]));
/// assert_eq!(find("lq", &people), Found::Nobody);
/// ```
pub fn find(typed: &str, people: &[(StaffId, String)]) -> Found {
    let q = typed.trim();
    let lower = q.to_lowercase();
    if q.is_empty() {
        return Found::Nobody;
    }
    let tiers: [&Tier<'_>; 4] = [
        &|id, _| id.as_str().eq_ignore_ascii_case(q),
        &|_, name| name.trim() == q,
        &|_, name| is_initials(&lower) && initials_match(&lower, name, true),
        &|id, name| matches(q, id.as_str(), name),
    ];
    for tier in tiers {
        let found: Vec<StaffId> = people
            .iter()
            .filter(|(id, name)| tier(id, name))
            .map(|(id, _)| id.clone())
            .collect();
        match found.as_slice() {
            [] => continue,
            [one] => return Found::One(one.clone()),
            _ => return Found::Many(found),
        }
    }
    Found::Nobody
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> StaffId {
        StaffId::new(s).unwrap()
    }

    fn people() -> Vec<(StaffId, String)> {
        [
            ("0001", "王芳"),
            ("0002", "李强"),
            ("0003", "张伟"),
            ("0004", "王峰"),
            ("0005", "陈静"),
            ("0006", "单晓明"),
        ]
        .iter()
        .map(|(i, n)| (id(i), n.to_string()))
        .collect()
    }

    #[test]
    fn a_name_is_found_by_id_name_or_pinyin_initials() {
        let p = people();
        for (typed, want) in [
            ("0003", Found::One(id("0003"))),
            ("王芳", Found::One(id("0001"))),
            ("lq", Found::One(id("0002"))),
            ("LQ", Found::One(id("0002"))),
            ("zw", Found::One(id("0003"))),
            ("cj", Found::One(id("0005"))),
            // 单 as a surname is Shàn: both initials answer.
            ("sxm", Found::One(id("0006"))),
            ("dxm", Found::One(id("0006"))),
            ("wf", Found::Many(vec![id("0001"), id("0004")])),
            ("王", Found::Many(vec![id("0001"), id("0004")])),
            ("静", Found::One(id("0005"))),
            ("xyz", Found::Nobody),
            ("", Found::Nobody),
        ] {
            assert_eq!(find(typed, &p), want, "{typed:?}");
        }
    }

    #[test]
    fn a_search_matches_the_start_of_the_initials() {
        assert!(matches("w", "0001", "王芳"));
        assert!(matches("wf", "0001", "王芳"));
        assert!(!matches("fw", "0001", "王芳"));
        assert!(matches("", "0001", "王芳"));
        assert!(matches("Li", "0007", "Li Lei"));
    }
}

"""The demo data set, planned: fixed lists from the articles about 包头市东河区 and a
random generator with a fixed seed, so every run plans exactly the same rows.

:func:`build_plan` returns the plan; ``app.demo`` loads it into the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

DISTRICT = "包头市东河区"
SEED = 20220901

# --------------------------------------------------------------------------- dictionaries

#: kind → (name, code, note) in display order.
DICTIONARIES: dict[str, list[tuple[str, str, str]]] = {
    "unit_type": [
        ("机关单位", "agency", "党政机关、事业单位及其派出机构"),
        ("学校", "school", "中小学、幼儿园、职业院校和高校"),
        ("企业", "enterprise", "国有企业、民营企业、物业服务企业"),
        ("商户", "shop", "社区周边商铺，多为商铺联盟成员"),
        ("社会组织", "social_org", "社会团体、社会服务机构、志愿服务组织"),
        ("驻区单位", "resident_unit", "驻在辖区的医院、消防、铁路等单位"),
    ],
    "org_grade": [
        ("5A", "5A", "社会组织评估等级：5A（最高）"),
        ("4A", "4A", "社会组织评估等级：4A"),
        ("3A", "3A", "社会组织评估等级：3A"),
        ("2A", "2A", "社会组织评估等级：2A"),
        ("1A", "1A", "社会组织评估等级：1A"),
    ],
}

# --------------------------------------------------------------------------- the org tree

#: (street, code, address, note, [(community, address, [grid names]), ...])
#: A grid name ending in 小区 or 家属院 is a grid named after its compound.
TREE: list[tuple[str, str, str, str, list[tuple[str, str, list[str]]]]] = [
    ("南圪洞街道", "150202001", "东河区南圪洞路18号",
     "老旧小区集中：封闭、半封闭小区109个，单体独栋楼51栋，多数小区无物业", [
         ("南龙王庙社区", "东河区南龙王庙街36号（党群服务中心）",
          ["第一网格", "第二网格", "第三网格", "第四网格"]),
         ("南圪洞社区", "东河区南圪洞路52号", ["第一网格", "第二网格", "第三网格"]),
         ("公园路社区", "东河区公园路17号",
          ["铁路小区", "电业小区", "粮食局家属院", "公园新村小区"]),
         ("健康路社区", "东河区健康路9号", ["第一网格", "第二网格", "第三网格"]),
     ]),
    ("西脑包街道", "150202002", "东河区西脑包大街101号",
     "辖区以上世纪八九十年代建成的单位家属区为主", [
         ("西脑包社区", "东河区西脑包大街88号", ["第一网格", "第二网格", "第三网格"]),
         ("巴彦塔拉社区", "东河区巴彦塔拉大街126号",
          ["第一网格", "第二网格", "第三网格", "第四网格"]),
         ("和平路社区", "东河区和平路41号", ["和平里小区", "机械厂家属院", "幸福小区"]),
         ("东方红社区", "东河区东方红路23号", ["第一网格", "第二网格", "第三网格"]),
     ]),
    ("河东街道", "150202003", "东河区河东路66号",
     "新老小区混合，辖区有学校、医院等驻区单位较多", [
         ("河东社区", "东河区河东路12号", ["第一网格", "第二网格", "第三网格", "第四网格"]),
         ("红星社区", "东河区红星街30号", ["第一网格", "第二网格", "第三网格"]),
         ("东园社区", "东河区东园路7号", ["东园小区", "博文雅居小区", "安居小区"]),
         ("新兴社区", "东河区新兴路45号", ["第一网格", "第二网格", "第三网格"]),
     ]),
]

# --------------------------------------------------------------------------- partner units


@dataclass(frozen=True)
class UnitSpec:
    """One partner unit of the plan. ``serves``: community names; empty → chosen by seed."""

    name: str
    kind: str
    address: str
    dual_report: bool = False
    grade: str | None = None
    serves: tuple[str, ...] = ()
    street: int | None = None  # index into TREE of the street it mostly serves
    note: str = ""


def _units() -> list[UnitSpec]:
    a, s, e, m, o, r = "机关单位", "学校", "企业", "商户", "社会组织", "驻区单位"
    u = UnitSpec
    return [
        # 机关单位 (12)
        u("东河公安分局南圪洞派出所", a, "东河区南圪洞路30号", True,
          serves=("南龙王庙社区", "南圪洞社区", "健康路社区"), note="民警进网格，参与矛盾纠纷调解"),
        u("包头市委党校", a, "包头市昆都仑区少先路", True, street=1),
        u("东河区司法局南圪洞司法所", a, "东河区南圪洞路32号", True, street=0,
          note="法律咨询、人民调解"),
        u("东河区民政局", a, "东河区和平路105号", True, street=0),
        u("东河区卫生健康委员会", a, "东河区巴彦塔拉大街61号", True, street=1),
        u("东河区市场监督管理局", a, "东河区西脑包大街46号", True, street=1),
        u("东河区城市管理综合执法局", a, "东河区环城路88号", True, street=2,
          note="环境整治、“破窗开门”联合整治"),
        u("东河区退役军人事务局", a, "东河区和平路107号", True, street=2),
        u("东河区住房和城乡建设局", a, "东河区巴彦塔拉大街59号", True, street=0,
          note="老旧小区改造"),
        u("东河公安分局西脑包派出所", a, "东河区西脑包大街70号", True, street=1),
        u("东河公安分局河东派出所", a, "东河区河东路20号", True, street=2),
        u("国家税务总局包头市东河区税务局", a, "东河区财神庙街15号", True, street=2),
        # 学校 (10)
        u("包头市艺术职业学校", s, "东河区南门外大街39号", True, street=0,
          note="暑期公益课堂、文艺演出"),
        u("东河区南圪洞小学", s, "东河区南圪洞路40号", street=0, note="四点半课堂"),
        u("东河区健康路小学", s, "东河区健康路21号", street=0),
        u("包头市第三中学", s, "东河区西脑包大街120号", True, street=1),
        u("东河区巴彦塔拉小学", s, "东河区巴彦塔拉大街140号", street=1),
        u("东河区和平路幼儿园", s, "东河区和平路56号", street=1),
        u("包头医学院", s, "东河区建设路31号", True, street=2, note="医疗义诊、健康讲座"),
        u("包头轻工职业技术学院", s, "东河区河东路101号", True, street=2),
        u("东河区河东第二小学", s, "东河区河东路58号", street=2),
        u("东河区红星幼儿园", s, "东河区红星街12号", street=2),
        # 企业 (10)
        u("国网包头供电公司东河供电分公司", e, "东河区巴彦塔拉大街72号", True, street=1,
          note="用电安全检查"),
        u("包头市自来水有限公司东河营业所", e, "东河区环城路60号", True, street=0),
        u("包头燃气有限公司东河服务站", e, "东河区和平路80号", True, street=2,
          note="燃气安全入户宣传"),
        u("中国移动包头分公司东河营业部", e, "东河区西脑包大街52号", street=1),
        u("包头农商银行东河支行", e, "东河区南门外大街20号", True, street=0),
        u("中国邮政集团包头市东河区分公司", e, "东河区和平路33号", True, street=2),
        u("包头市鹿城物业服务有限公司", e, "东河区南圪洞路66号",
          serves=("南龙王庙社区", "公园路社区"), note="红色物业试点"),
        u("包头市热力集团东河分公司", e, "东河区河东路88号", True, street=2),
        u("包头市安居物业服务有限公司", e, "东河区东园路15号", street=2),
        u("内蒙古北疆家政服务有限公司", e, "东河区巴彦塔拉大街200号", street=1),
        # 商户 (12): members of the communities' shop alliances, each near one community
        u("惠民便利超市", m, "东河区南龙王庙街40号", serves=("南龙王庙社区",),
          note="商铺联盟成员：老人购物送货上门"),
        u("鹿城鲜果店", m, "东河区南圪洞路58号", street=0, note="商铺联盟成员：每周六水果八折"),
        u("老刘理发店", m, "东河区健康路15号", street=0,
          note="商铺联盟成员：每月为高龄老人上门理发"),
        u("草原羊肉馆", m, "东河区公园路25号", street=0),
        u("康泰大药房", m, "东河区西脑包大街95号", street=1, note="商铺联盟成员：免费测血压"),
        u("阳光洗衣店", m, "东河区巴彦塔拉大街133号", street=1),
        u("福满园饺子馆", m, "东河区和平路47号", street=1, note="爱心餐：老人、退役军人打折"),
        u("小马修锁配钥匙", m, "东河区东方红路19号", street=1),
        u("益生堂中医理疗馆", m, "东河区河东路26号", street=2, note="商铺联盟成员：低价理疗"),
        u("宏达五金建材店", m, "东河区红星街28号", street=2),
        u("诚信粮油店", m, "东河区东园路11号", street=2),
        u("新兴照相馆", m, "东河区新兴路50号", street=2, note="为高龄老人免费拍证件照"),
        # 社会组织 (10)
        u("包头市海之洋社区工作服务中心", o, "东河区南龙王庙街36号", grade="4A",
          serves=("南龙王庙社区", "南圪洞社区", "公园路社区"), note="南圪洞街道社工站运营方"),
        u("包头市鹿城奉献公益协会", o, "东河区南圪洞路71号", grade="3A", street=0),
        u("包头市广告商会", o, "东河区巴彦塔拉大街88号", grade="3A", street=1),
        u("包头市蚂蚁力量儿童义工团", o, "东河区公园路8号", grade="2A", street=0,
          note="儿童志愿服务"),
        u("包头市启航社会工作服务中心", o, "东河区西脑包大街66号", grade="5A", street=1,
          note="西脑包街道社工站运营方"),
        u("东河区红领结志愿服务协会", o, "东河区河东路16号", grade="2A", street=2),
        u("东河区夕阳红老年协会", o, "东河区和平路52号", street=1),
        u("包头市心桥心理咨询服务中心", o, "东河区东园路21号", grade="4A", street=2,
          note="河东街道社会工作服务站运营方"),
        u("东河区法律援助志愿者协会", o, "东河区财神庙街9号", grade="1A", street=2),
        u("东河区萌宠之家文明养犬协会", o, "东河区健康路30号", street=0,
          note="文明养犬宣传、清理宠物粪便"),
        # 驻区单位 (8)
        u("包头市中心医院", r, "东河区环城路61号", True, street=0, note="医疗义诊"),
        u("东河区人民医院", r, "东河区巴彦塔拉大街105号", True, street=1),
        u("东河区消防救援大队", r, "东河区西脑包大街30号", True, street=1,
          note="消防安全隐患排查"),
        u("包头医学院第二附属医院", r, "东河区建设路30号", True, street=2),
        u("中国铁路呼和浩特局集团包头东站", r, "东河区东站路1号", True, street=2),
        u("东河区南圪洞社区卫生服务中心", r, "东河区南圪洞路12号", True, street=0),
        u("包头市图书馆东河分馆", r, "东河区和平路90号", street=1, note="图书借还、阅读推广"),
        u("东河区气象局", r, "东河区河东路120号", street=2),
    ]


#: (station, street index, staff count, address, note, served community indexes)
STATIONS: list[tuple[str, int, int, str, str, tuple[int, ...]]] = [
    ("南圪洞街道社工站", 0, 5, "东河区南龙王庙街36号南龙王庙社区党群服务中心二楼",
     "2022年9月建成，面积200平方米；由包头市海之洋社区工作服务中心（4A）运营", (0, 1, 2, 3)),
    ("西脑包街道社工站", 1, 4, "东河区西脑包大街88号西脑包社区党群服务中心",
     "由包头市启航社会工作服务中心运营", (0, 1, 2, 3)),
    ("河东街道社会工作服务站", 2, 3, "东河区河东路12号河东社区党群服务中心",
     "由包头市心桥心理咨询服务中心运营", (0, 1, 2)),
]

# --------------------------------------------------------------------------- people

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋"
    "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭邹金陆郝孔白崔康毛邱秦史顾侯邵孟段雷钱尹"
    "乔贺常武云"
)
GIVEN = (
    "建华 丽娜 海燕 志强 晓东 玉兰 秀英 桂兰 淑珍 建军 国庆 红梅 文斌 鑫 磊 静 敏 丹 宇航 思远"
    " 雅琴 春燕 凤英 俊峰 晓燕 慧 佳 永刚 海军 利民 丽华 亚楠 婷婷 晓梅 振华 凯 旭东 玉梅 金花"
    " 瑞 雪梅 彦军 宏伟 晓霞 志敏 学文 秀珍 爱华 小军 燕 春梅 树林 宝山 文娟 立新 红霞 新华 亮"
).split()
#: Mongolian names, written without a surname as is usual in Baotou.
MONGOLIAN = ("其木格", "乌云娜", "巴特尔", "萨仁高娃", "额尔敦", "乌兰", "斯琴", "那仁",
             "娜仁花", "苏日娜")
MOBILE_PREFIXES = ("138", "139", "135", "136", "137", "150", "151", "152", "158", "159",
                   "186", "187", "133", "153", "180", "189", "177", "188")


class _People:
    """Deterministic, unique Chinese names, mobile numbers and Baotou landlines."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def _unique(self, make: Any) -> str:
        while True:
            value = make()
            if value not in self.used:
                self.used.add(value)
                return str(value)

    def name(self) -> str:
        rng = self.rng
        return self._unique(lambda: rng.choice(MONGOLIAN) if rng.random() < 0.08
                            else rng.choice(SURNAMES) + rng.choice(GIVEN))

    def mobile(self) -> str:
        rng = self.rng
        return self._unique(lambda: rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}")

    def landline(self) -> str:
        rng = self.rng
        return self._unique(lambda: f"0472-4{rng.randrange(10**6):06d}")


# --------------------------------------------------------------------------- the plan


@dataclass
class Plan:
    """Every row the demo wants, as plain values (no database access)."""

    streets: list[dict[str, Any]] = field(default_factory=list)
    communities: list[dict[str, Any]] = field(default_factory=list)  # "street" = street name
    grids: list[dict[str, Any]] = field(default_factory=list)  # "street", "community" names
    units: list[dict[str, Any]] = field(default_factory=list)  # "serves" = [(street, comm)]
    stations: list[dict[str, Any]] = field(default_factory=list)
    street_admin: str = ""


def build_plan() -> Plan:
    """The demo data set; the same on every call."""
    people = _People(SEED)
    rng = random.Random(SEED + 1)
    plan = Plan()
    by_street: list[list[tuple[str, str]]] = []
    for street, code, address, note, communities in TREE:
        plan.streets.append({"name": street, "district": DISTRICT, "code": code,
                             "address": address, "phone": people.landline(), "note": note})
        by_street.append([(street, c[0]) for c in communities])
        for community, c_address, grids in communities:
            grid_rows = []
            for g, grid in enumerate(grids, 1):
                households = rng.randrange(300, 501)
                if grid.endswith(("小区", "家属院")):
                    name = f"{grid}网格"
                    buildings = f"{grid}全部楼栋（{households // 40 + 2}栋）"
                else:
                    name = grid
                    first = (g - 1) * 8 + 1
                    buildings = f"{community.removesuffix('社区')}小区{first}–{first + 7}号楼"
                grid_rows.append({"street": street, "community": community, "name": name,
                                  "households": households, "buildings": buildings,
                                  "worker_name": people.name(),
                                  "worker_phone": people.mobile()})
            plan.communities.append({
                "street": street, "name": community,
                "households": sum(r["households"] for r in grid_rows),
                "secretary": people.name(), "address": c_address, "phone": people.landline()})
            plan.grids += grid_rows
    index = {c: (s, c) for s_list in by_street for s, c in s_list}
    limits = {"商户": 1, "学校": 2, "社会组织": 2}
    for spec in _units():
        if spec.serves:
            serves = [index[c] for c in spec.serves]
        else:
            pool = by_street[spec.street or 0]
            count = rng.randint(1, limits.get(spec.kind, 3))
            serves = rng.sample(pool, count)
        plan.units.append({"name": spec.name, "kind": spec.kind, "grade": spec.grade,
                           "serves": serves, "contact_person": people.name(),
                           "contact_phone": people.mobile(), "address": spec.address,
                           "dual_report": spec.dual_report, "note": spec.note or None})
    for name, s, staff, address, note, served in STATIONS:
        plan.stations.append({"name": name, "street": TREE[s][0],
                              "serves": [by_street[s][i] for i in served],
                              "contact_person": people.name(), "contact_phone": people.mobile(),
                              "staff_count": staff, "address": address, "note": note})
    plan.street_admin = people.name()
    return plan

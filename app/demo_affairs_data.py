"""The community-affairs demo rows of community1 / grid1, as data: requests, micro-wishes,
disputes, volunteers, meetings and the community ledgers. Loaded by ``app.demo_affairs``.

Days are offsets from today in the portal's time zone (negative: in the past). "unit1" /
"unit2" stand for the demo units, "grid" for grid1's worker, "unit" for unit1's contact.
"""

from __future__ import annotations

from typing import Any

COMPOUND = "南龙王庙小区"

#: dictionary kind → entry names, in display order
DICTS = {
    "request_category": ("环境卫生", "物业管理", "市政设施", "邻里关系", "养老服务", "治安防范",
                         "其他"),
    "dispute_type": ("婚姻家庭", "邻里噪音", "停车", "宠物", "物业", "其他"),
}

#: the rule that turns approved volunteer hours into points
VOLUNTEER_RULE = {"name": "志愿服务时长积分", "applies_to": "volunteer", "per_log": 2,
                  "per_hour": 5, "cap": 50,
                  "note": "每条认定的服务记录2分，另按每小时5分计，单条最高50分"}

# --------------------------------------------------------------------------- 群众诉求

#: received: (days, local hour); deadline: days from today; hours: intake → resolved;
#: revisit: hours from resolved to the satisfaction visit
REQUESTS: tuple[dict[str, Any], ...] = (
    {"subject": "南龙王庙街东段路灯不亮，夜间出行不便", "category": "市政设施",
     "source": "hotline", "requester": "郝玉兰", "phone": "13947260318", "received": (-1, 20),
     "deadline": 4, "state": "received",
     "content": "12345热线转来：南龙王庙街东段连着三盏路灯不亮，老人晚饭后遛弯只能摸黑走。"},
    {"subject": "5号楼前垃圾箱满溢，两天未清运", "category": "环境卫生", "source": "wechat",
     "requester": "白淑珍", "phone": "15248120976", "received": (-2, 9), "deadline": 1,
     "state": "received",
     "content": "居民在网格微信群发照片：5号楼前两个垃圾箱装满溢出，有异味，野猫翻找。"},
    {"subject": "7号楼车棚夜间电动车电瓶被盗", "category": "治安防范", "source": "walk_in",
     "requester": "韩志勇", "phone": "13804725561", "received": (-4, 10), "deadline": 10,
     "state": "assigned", "unit": "unit1", "assignee": "unit",
     "content": "居民到社区反映：一周内7号楼车棚有三辆电动车的电瓶夜里被盗，车棚没有监控。"},
    {"subject": "小区南门夜市烧烤油烟和噪音扰民", "category": "环境卫生", "source": "patrol",
     "received": (-6, 22), "deadline": 2, "state": "in_progress", "assignee": "grid",
     "department": "东河区城市管理综合执法局",
     "content": "网格员夜间巡查发现：南门外三家烧烤摊占道经营到凌晨，临街住户反映油烟大、吵闹。"},
    {"subject": "独居老人申请老年食堂助餐服务", "category": "养老服务", "source": "phone",
     "requester": "孙丽娜", "phone": "18647251230", "received": (-9, 15), "hours": 30.5,
     "state": "resolved", "assignee": "grid",
     "content": "女儿在外地工作，来电为7号楼独居的母亲申请助餐，老人腿脚不便下不了楼。",
     "result": "已为老人办理社区老年食堂助餐卡，腿脚不便期间由党员志愿者每天中午送餐上门。"},
    {"subject": "邻居装修噪音影响老人午休", "category": "邻里关系", "source": "phone",
     "requester": "孙玉梅", "phone": "13674728899", "received": (-12, 11), "hours": 20.0,
     "state": "closed", "assignee": "grid", "revisit": 26, "satisfaction": 4,
     "content": "7号楼住户反映同单元邻居装修天天电钻作业，中午也不停，八十多岁的老人休息不好。",
     "result": "网格员上门沟通，装修户同意工作日8:00—12:00、14:00—18:00施工，周末不用电钻。",
     "note": "基本满意，希望装修能早点完工。"},
    {"subject": "3号楼下水管道堵塞返味", "category": "市政设施", "source": "hotline",
     "requester": "王建国", "phone": "13847215566", "received": (-18, 8), "hours": 52.0,
     "state": "closed", "assignee": "grid", "department": "东河区住房和城乡建设局",
     "revisit": 48, "satisfaction": 5,
     "content": "3号楼楼门长反映：低层几户厨房下水反味、地漏冒水，楼前检查井已满。",
     "result": "协调施工队疏通3号楼排水主管道，更换破损管段4米，检查井已清掏，恢复通畅。",
     "note": "王大爷说处理得快，楼道里没味儿了。"},
    {"subject": "小区南门、西门监控探头损坏", "category": "治安防范", "source": "wechat",
     "requester": "陈志强", "phone": "15104729876", "received": (-25, 10), "hours": 72.0,
     "state": "closed", "unit": "unit1", "assignee": "unit", "revisit": 30,
     "satisfaction": 5,
     "content": "居民在微信群反映：小区南门和西门的监控探头坏了半个多月，晚上进出人员看不清。",
     "result": "派出所联系维保单位更换南门、西门两处监控探头，并接入社区视频监控平台。",
     "note": "居民很满意，说晚上回家心里踏实了。"},
)

# --------------------------------------------------------------------------- 微心愿

#: wanted_by, collected (the day it was written down), fulfilled: days
WISHES: tuple[dict[str, Any], ...] = (
    {"title": "想要一台助听器", "wisher": "赵桂兰", "phone": "13904721234", "value": "380",
     "wanted_by": 30, "collected": -1, "state": "collected",
     "story": "八十多岁独居，耳背越来越重，敲门和电话都听不见，女儿担心联系不上。"},
    {"title": "给孩子添一个新书包和一套文具", "wisher": "陈志强", "phone": "15104729876",
     "value": "150", "wanted_by": 20, "collected": -9, "state": "published",
     "story": "独自抚养上五年级的女儿，书包背带已经断了，想在期末前给孩子换个新的。"},
    {"title": "冬天想要一台小电暖器", "wisher": "刘秀珍", "phone": "0472-4123456",
     "value": "220", "wanted_by": 14, "collected": -6, "state": "published",
     "story": "低保户、行动不便，住一楼北屋，暖气不太热，晚上屋里冷。"},
    {"title": "卧床老人希望上门办理身份证换领", "wisher": "孙玉梅", "phone": "13674728899",
     "value": None, "wanted_by": 10, "collected": -8, "state": "claimed",
     "unit": "unit1",
     "story": "身份证已过期，老人卧床去不了大厅，社保认证和取药都需要用到身份证。"},
    {"title": "想要一副合适的老花镜", "wisher": "王建国", "phone": "13847215566",
     "value": "120", "wanted_by": -2, "collected": -20, "state": "fulfilled",
     "claimant": "党员 乔永刚",
     "fulfilled": -3, "story": "老兵爱看报纸，旧眼镜度数不够了，一直舍不得配新的。"},
    {"title": "想换一个新电饭煲", "wisher": "李秀英", "phone": "13847215566",
     "value": "199", "wanted_by": -10, "collected": -30, "state": "thanked",
     "unit": "unit2", "fulfilled": -12,
     "story": "家里的电饭煲用了十几年，内胆掉漆，煮饭总糊底。",
     "thanks": "老两口托网格员送来感谢信，谢谢学校的老师们送来的电饭煲。"},
)

# --------------------------------------------------------------------------- 矛盾纠纷

DISPUTES: tuple[dict[str, Any], ...] = (
    {"title": "楼上楼下噪音纠纷", "kind": "邻里噪音", "parties": "6号楼302住户、402住户",
     "received": -2, "state": "received",
     "description": "302住户反映楼上每晚十点后拖动桌椅、孩子跑跳，多次上楼敲门后双方争吵。"},
    {"title": "占用他人固定车位引发争执", "kind": "停车", "parties": "5号楼两户车主",
     "received": -5, "state": "mediating", "mediator": "grid",
     "description": "一方长期占用另一方在停车自治小组登记的固定车位，双方在楼下发生口角。"},
    {"title": "遛狗不拴绳惊吓老人", "kind": "宠物", "parties": "7号楼养犬户、3号楼老人家属",
     "received": -15, "closed": -9, "state": "settled", "mediator": "grid",
     "description": "养犬户遛狗未拴绳，狗扑向散步老人致其摔倒擦伤，家属要求赔偿医药费。",
     "result": "养犬户当面道歉并承担医药费360元，承诺遵守文明养犬公约，出门必拴绳。"},
    {"title": "离异家庭探视子女纠纷", "kind": "婚姻家庭", "parties": "离异夫妻双方",
     "received": -28, "closed": -14, "state": "settled", "mediator": "社区调解员 苏日娜",
     "judicial": True, "police": True,
     "description": "男方探视孩子时与女方家人发生推搡，女方拒绝再让男方探视，双方多次报警。",
     "result": "司法所、派出所联合调解，双方签订调解协议：每周六9:00—17:00探视，在社区交接。"},
)

# --------------------------------------------------------------------------- 志愿服务

#: name → (leader, founded: days, description)
TEAMS = {
    "党员先锋队": ("王建军", -900, "在职党员和退休老党员组成，开展便民服务、环境整治和治安巡逻"),
    "巾帼宣讲队": ("李海燕", -700, "社区妇女骨干组成，宣讲惠民政策、反诈和反家暴知识"),
    "应急救援队": ("高宏伟", -500, "退役军人为骨干，负责应急救护、防汛和消防疏散"),
}

#: (name, sex, phone, first 17 digits of the ID number or "", team, skills, party member,
#:  workplace, joined: days)
VOLUNTEERS = (
    ("王建军", "male", "13848726615", "15020219620315031", "党员先锋队", "电工、家电维修",
     True, "退休（原东河供电分公司）", -900),
    ("刘秀芝", "female", "15047261298", "15020219660822042", "党员先锋队", "理发", True,
     "个体（美发）", -820),
    ("张志刚", "male", "13789450327", "", "党员先锋队", "法律咨询", True,
     "内蒙古鹿城律师事务所", -400),
    ("李海燕", "female", "18804729153", "15020219780506062", "巾帼宣讲队", "政策宣讲、心理疏导",
     True, "南圪洞社区卫生服务中心", -700),
    ("其木格", "female", "15947265830", "", "巾帼宣讲队", "心理疏导（二级心理咨询师）", False,
     "包头市心桥心理咨询服务中心", -300),
    ("赵丽华", "female", "13171267745", "", "巾帼宣讲队", "剪纸、文艺演出", False, "退休",
     -650),
    ("高宏伟", "male", "13634728016", "15020219750910071", "应急救援队", "应急救护、消防",
     True, "退役军人", -500),
    ("马晓东", "male", "17604723368", "", "应急救援队", "电工、水暖维修", False,
     "鹿城物业维修班", -200),
)

#: (title, team, starts: (days, local hour), place, needed, hours, skills wanted,
#:  description, [(volunteer, state, hours)])
ACTIVITIES = (
    ("义务理发、小家电维修进楼院", "党员先锋队", (-18, 9), f"{COMPOUND}3号楼前广场", 6, "3",
     "理发、电工", "为高龄、独居老人义务理发，检修电热毯、电暖器等小家电。",
     (("王建军", "approved", "3"), ("刘秀芝", "approved", "3"),
      ("马晓东", "approved", "2.5"))),
    ("防范电信诈骗宣讲进楼栋", "巾帼宣讲队", (-4, 14), "南龙王庙社区党群服务中心", 5, "2",
     "政策宣讲", "结合近期冒充客服退款、养老投资等骗局，逐栋给老人讲解防骗要点。",
     (("李海燕", "pending", "2"), ("其木格", "pending", "2"), ("赵丽华", "pending", "1.5"))),
    ("燃气泄漏应急处置演练", "应急救援队", (6, 9), f"{COMPOUND}5号楼", 8, "2.5",
     "应急救护、消防", "模拟楼道燃气泄漏，演练关阀、开窗、疏散和报警，讲解心肺复苏。",
     (("高宏伟", "signed_up", None), ("张志刚", "signed_up", None))),
)

# --------------------------------------------------------------------------- 会议与决议

MEETINGS: tuple[dict[str, Any], ...] = (
    {"title": "南龙王庙社区共建单位联席会议", "kind": "joint", "held": -12,
     "place": "南龙王庙社区党群服务中心三楼会议室", "units": ("unit1", "unit2"),
     "attendees": "社区两委成员、网格员、共建单位代表、居民代表共14人",
     "topics": "一、通报近期群众诉求办理情况；二、车棚电瓶被盗的防范；三、学校操场周末向社区"
               "儿童开放。",
     "minutes": "会议听取诉求办理情况通报，围绕车棚防盗和周末托管讨论，形成决议两项。",
     "resolutions": (
         ("在7号楼车棚和小区南门增设监控探头，夜间增加巡逻", "unit1", 20, "open"),
         ("周末开放学校操场，开设社区儿童四点半课堂", "unit2", 45, "following"),
     )},
    {"title": f"{COMPOUND}停车议事会", "kind": "council", "held": -40,
     "place": f"{COMPOUND}3号楼前议事亭",
     "attendees": "楼门长、停车自治小组成员、居民代表共21人",
     "topics": "停车自治小组收费标准；道闸维修和车位划线；收支公开办法。",
     "minutes": "经现场表决，月租车位每月100元，收支每月公开，道闸维修和划线从停车费中列支。",
     "resolutions": (
         ("停车费收支每月在小区公示栏和网格微信群公开", "停车自治小组 乔永刚", -20, "done"),
     )},
)

# --------------------------------------------------------------------------- 台账

#: (title, adopted: days, households voting for, text)
CONVENTIONS = (
    ("南龙王庙社区居民公约", -420, 1186,
     "一、爱护公共设施，不在楼道堆物，不私拉电线给电动车充电。\n"
     "二、垃圾定点投放，不高空抛物。\n三、邻里互谅互助，装修和娱乐避开休息时间。\n"
     "四、关心高龄、独居老人，积极参加志愿服务。"),
    ("南龙王庙小区文明养犬公约", -150, 412,
     "一、犬只按规定登记、接种疫苗。\n二、出门拴绳，大型犬戴嘴套，主动避让老人和儿童。\n"
     "三、随手清理犬只粪便。\n四、夜间管好犬只，不吠叫扰民。"),
)

#: (name, budget, funds, carried out by, start, end (days), stage, progress, benefiting,
#:  description)
LIVELIHOOD = (
    ("老旧楼栋楼道照明改造", "86000", "民生实事专项资金", "国网包头供电公司东河供电分公司",
     -60, 20, "underway", 65, 620, "为12栋老楼更换声控节能灯，改造楼道老化线路。"),
    ("口袋公园及健身器材安装", "150000", "街道民生项目资金、共建单位捐赠",
     "东河区城市管理综合执法局", -210, -120, "done", 100, 1500,
     "将3号楼与5号楼之间的空地建成口袋公园，安装健身器材12件、座椅8组。"),
)

#: (title, held (days), hours, trainer, attendee count, attendees, content)
TRAININGS = (
    ("网格员矛盾纠纷排查化解培训", -20, "2", "南圪洞司法所 人民调解员", 16,
     "社区专兼职网格员、调解员", "邻里、婚姻家庭纠纷的排查方法，调解协议的制作与履行。"),
    ("消防安全与应急救护培训", -8, "1.5", "东河区消防救援大队 防火监督员", 35,
     "应急救援队队员、楼门长、居民代表", "灭火器使用、楼道堆物和电动车充电隐患、心肺复苏。"),
)

#: (address, inspected, kind, state, finding, measures, fix by, fixed on) — days
HAZARDS = (
    (f"{COMPOUND}3号楼1单元", -6, "fire", "none", "灭火器在有效期内，疏散通道畅通。", None,
     None, None),
    (f"{COMPOUND}5号楼2单元楼道", -3, "corridor", "pending",
     "楼道内堆放纸箱和旧家具，占用疏散通道。", "已告知住户限期清理，逾期由志愿者协助清运。",
     3, None),
    (f"{COMPOUND}7号楼车棚", -2, "electric", "pending",
     "有住户从二楼窗口拉线给电动车充电。", "已劝导拆除飞线，建议在车棚加装集中充电桩。", 7,
     None),
    (f"{COMPOUND}3号楼201室", -15, "gas", "fixed", "燃气胶管老化龟裂。",
     "联系燃气公司上门更换金属波纹管，讲解燃气安全。", -10, -12),
)

FUND = f"{COMPOUND}停车自治小组"
FEE_HANDLER = "停车自治小组 乔永刚"
#: (occurred (days), kind, item, amount, note)
FEES = (
    (-58, "income", "月租车位停车费（86个车位）", "8600.00", "每车位每月100元"),
    (-45, "expense", "道闸维修（更换道闸电机）", "1850.00", None),
    (-40, "expense", "车位划线及编号喷涂", "3200.00", "共划车位98个"),
    (-30, "income", "临时停车费", "1265.00", None),
    (-28, "expense", "停车管理员劳务补贴", "2400.00", "两名管理员各1200元"),
    (-20, "income", "新增月租车位停车费（12个车位）", "1200.00", None),
    (-15, "expense", "南门监控探头更换", "960.00", None),
    (-10, "expense", "停车证、收费收据印制", "180.00", None),
)

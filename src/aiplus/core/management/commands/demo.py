"""`aiplus demo`: generate demo data (示例) for every role, deterministic and idempotent.

Everything it creates is marked `is_demo=True` and every name starts with "示例·", so pages can
show it as an example. Writes go through the service functions, acting as the demo users, so
the lifecycle history and the audit log look like real use.

    aiplus demo              # creates the data once; a second run only prints the logins
    aiplus demo --reset      # deletes demo data first, then creates it again
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from aiplus.accounts import services as account_services
from aiplus.accounts.choices import OrgStatus, Role
from aiplus.accounts.models import Organisation, User
from aiplus.core.citypack import pack_meta
from aiplus.core.errors import ServiceError
from aiplus.core.models import Area, CityPack, DemanderType, Sector
from aiplus.governance.models import AlgorithmFiling
from aiplus.scenarios import services
from aiplus.scenarios.choices import PUBLIC_STATUSES, DemandStatus, Visibility
from aiplus.scenarios.models import (
    CaseStudy,
    Certification,
    Demand,
    DemandList,
    DemandListItem,
    Proposal,
    Roadshow,
    RoadshowRegistration,
    Solution,
)

DEMO_PASSWORD = "aiplus-demo-2026"
DEFAULT_SEED = 2025
PREFIX = "示例·"
LIST_NAME = "{year}年{city}市人工智能应用场景需求清单（示例）"
DRAFT_LIST_NAME = "{year}年{city}市人工智能应用场景需求清单·第一批（示例·编制中）"
PENDING_ORG = "示例·待审核科技有限公司"

S = DemandStatus

# --- content -----------------------------------------------------------------------------------
# One row per demand: title, demander type, organisation (after "某"), area, pain point, goals,
# KPIs, data held, budget in 万元 (low, high), tags, flags. Flags: P personal information,
# M medical data, K minors, F needs algorithm filing, C budget confidential, S sensitive data,
# D owned by the demo demander login.

# fmt: off
DEMANDS: dict[str, list[tuple]] = {
    "manufacturing": [
        ("注塑件表面缺陷视觉检测", "manufacturer", "精密制造有限公司", "sip",
         "人工目检漏检率约3%，夜班质量波动大，客户投诉集中在划伤、缩水、飞边三类缺陷。",
         "产线在线全检，缺陷自动分类并追溯到模具与工艺参数。",
         "漏检率≤0.5%；过检率≤2%；单件检测节拍≤1.5秒。",
         "近两年缺陷图片约3万张（已标注8000张）；MES工艺参数。", (50, 120),
         "机器视觉、缺陷检测", "D"),
        ("数控机床主轴预测性维护", "manufacturer", "精密制造有限公司", "sip",
         "非计划停机每年造成损失超300万元，主轴故障判断依赖老师傅经验，备件库存偏高。",
         "采集振动、电流、温度数据，提前7天预警主轴与刀具故障，联动备件计划。",
         "故障预警准确率≥85%；非计划停机减少30%；备件库存下降15%。",
         "120台设备PLC数据；近3年维修工单约4000条。", (80, 200),
         "预测性维护、时序预测、边缘计算", "D"),
        ("多品种小批量智能排产", "manufacturer", "精密制造有限公司", "sip",
         "订单插单频繁，计划员用Excel排产每天耗时4小时，交期达成率仅82%。",
         "建设APS智能排产，插单后分钟级重排，并给出换线与物料建议。",
         "交期达成率≥95%；排产耗时≤10分钟；换线次数下降20%。",
         "ERP订单、工艺路线、设备产能与班次数据。", (100, 250), "工业软件、强化学习", "D"),
        ("纺织面料瑕疵在线检测", "sme", "纺织印染有限公司", "wujiang",
         "验布工人招工难，坯布瑕疵类型多达40种，人工验布速度慢且标准不一。",
         "验布机加装线阵相机，瑕疵自动标记并生成匹布质量报告。",
         "瑕疵检出率≥95%；验布速度≥60米/分钟。",
         "已标注瑕疵样布图片1.5万张。", (30, 80), "机器视觉、缺陷检测", ""),
    ],
    "finance": [
        ("小微企业信贷智能风控", "soe", "农村商业银行", "changshu",
         "小微贷款审批依赖人工尽调，平均需5个工作日，不良率随行业波动明显。",
         "融合税务、水电、工商等授权数据建立授信与贷后预警模型。",
         "审批时长≤1个工作日；模型KS≥0.4；不良率不高于现有水平。",
         "脱敏历史贷款记录约5万笔及其还款表现。", (150, 400), "风控建模、知识图谱", "PS"),
        ("理财双录智能合规质检", "soe", "城市商业银行", "gusu",
         "理财销售双录视频人工抽检比例不足5%，违规话术难以及时发现。",
         "语音转写与大模型结合，对双录全量质检并定位违规片段。",
         "质检覆盖率100%；违规识别召回率≥90%；单条质检≤2分钟。",
         "双录音视频约20万条（需在行内环境处理）。", (200, 500), "语音识别、大模型", "PFS"),
        ("车险理赔反欺诈识别", "soe", "财产保险分公司", "wuzhong",
         "车险团伙欺诈隐蔽，修理厂、定损员、出险人之间的关联难以人工发现。",
         "构建理赔关系图谱，识别疑似欺诈团伙并给出可解释线索。",
         "疑似欺诈识别准确率≥80%；每年挽回损失≥500万元。",
         "近三年理赔案件约12万件（脱敏）。", (120, 300), "知识图谱、反欺诈", "PSC"),
        ("供应链金融票据识别与核验", "soe", "金融控股集团", "snd",
         "发票、合同、货运单据依赖人工录入与交叉核验，单笔业务处理超过半小时。",
         "票据OCR识别，多单据交叉核验，异常自动提示。",
         "字段识别准确率≥98%；单笔处理≤30秒。",
         "历史票据影像样本约5万张。", (60, 150), "OCR、大模型", ""),
    ],
    "research": [
        ("新材料配方AI辅助设计", "public_institution", "新材料研究院", "snd",
         "高分子材料配方依赖试错，每轮实验约2周，研发周期长、成本高。",
         "基于历史实验数据的主动学习模型，推荐下一轮最有价值的配方。",
         "实验轮次减少50%；目标性能预测误差≤10%。",
         "历史实验记录约8000组，含配方、工艺与性能。", (100, 300), "AI for Science、主动学习",
         ""),
        ("科研文献智能检索与综述生成", "school", "高校科学技术研究院", "sip",
         "跨学科文献检索效率低，研究生撰写综述耗时长，引用核查困难。",
         "建设文献知识库与大模型问答，自动生成带出处的综述初稿。",
         "检索相关性≥90%；综述初稿生成≤10分钟；引用可追溯率100%。",
         "自建文献库元数据约200万条。", (50, 120), "大模型、知识图谱", ""),
        ("小分子药物虚拟筛选", "sme", "生物医药有限公司", "sip",
         "高通量湿实验筛选成本高，先导化合物发现周期长。",
         "建设分子性质预测与虚拟筛选流程，缩小湿实验范围。",
         "筛选命中率提升3倍；单靶点筛选周期≤2周。",
         "化合物库约50万个分子及部分活性数据。", (150, 400), "AI for Science", "C"),
        ("检验检测实验室数据智能采集分析", "public_institution", "检验检测中心", "xiangcheng",
         "仪器数据分散在几十台设备中，手工记录易错，报告编制慢。",
         "自动采集仪器数据，智能体辅助生成检测报告并校核。",
         "人工录入减少80%；报告差错率下降90%。",
         "60余台仪器的历史检测数据。", (40, 100), "智能体、数据治理", ""),
    ],
    "low_altitude": [
        ("无人机河道巡检与违规识别", "public_institution", "水务管理处", "wujiang",
         "河道总长超千公里，人工巡河每周一次，漂浮物、排污口、违建发现滞后。",
         "无人机自动机场定时巡检，AI识别漂浮物、排污口与违建并派单。",
         "重点河段每日巡检1次；识别准确率≥90%。",
         "历史航拍影像约2TB。", (80, 200), "低空经济、机器视觉", ""),
        ("输电线路无人机自主巡检", "soe", "电力工程有限公司", "zhangjiagang",
         "输电线路巡检依赖人工登塔与手动飞行，缺陷识别靠人工看图。",
         "无人机按航线自主巡检，自动识别绝缘子破损、鸟巢、异物等缺陷。",
         "缺陷识别准确率≥90%；巡检效率提升5倍。",
         "已标注巡检图片约6万张。", (100, 250), "低空经济、机器视觉", ""),
        ("低空物流配送航线规划与调度", "soe", "低空产业发展集团", "taicang",
         "医疗样本、即时零售的无人机配送需求增长，航线规划与多机调度依赖人工。",
         "建设航线规划与多机调度平台，对接空域申报。",
         "单日调度架次≥300；航线规划耗时≤5分钟；准点率≥95%。",
         "三维城市模型、禁飞区数据、历史订单。", (150, 350), "低空经济、路径规划", ""),
        ("景区无人机安防巡查与客流监测", "soe", "文旅发展集团", "wuzhong",
         "节假日景区客流密集，山林防火与游客走失发现不及时。",
         "无人机定时巡查，识别烟火、拥堵和走失求助。",
         "烟火识别时延≤1分钟；高峰时段客流统计误差≤10%。",
         "景区监控与航拍视频。", (50, 120), "低空经济、机器视觉", ""),
    ],
    "construction": [
        ("工地安全帽与危险行为智能识别", "soe", "建设集团", "kunshan",
         "在建项目多，安全员巡查覆盖不足，未戴安全帽、临边作业等违规屡禁不止。",
         "利用工地现有摄像头识别违规行为并实时告警。",
         "违规识别准确率≥92%；告警时延≤10秒。",
         "30个工地的监控视频。", (30, 80), "机器视觉、边缘计算", ""),
        ("塔吊防碰撞与吊装智能监测", "soe", "建筑工程有限公司", "xiangcheng",
         "群塔作业存在碰撞风险，吊钩盲区依赖信号工指挥。",
         "多塔吊协同防碰撞预警与吊钩视觉辅助。",
         "碰撞预警准确率≥99%；盲区可视化覆盖100%。",
         "塔吊运行传感器数据。", (60, 150), "物联网、机器视觉", ""),
        ("老旧小区房屋安全智能监测", "public_institution", "住房保障中心", "gusu",
         "老旧房屋数量多，裂缝、倾斜依赖人工排查，隐患发现滞后。",
         "布设传感器并结合图像识别，建立房屋安全风险评估模型。",
         "风险识别准确率≥85%；预警提前量≥7天。",
         "房屋普查数据约2万栋。", (80, 200), "物联网、数字孪生", ""),
        ("施工图智能审查", "public_institution", "建设工程审图中心", "snd",
         "施工图审查依赖人工对照规范，条文多、周期长。",
         "基于BIM模型与规范知识库的智能审图。",
         "常见问题自动检出率≥80%；审查周期缩短40%。",
         "历史审查意见约5万条；规范条文库。", (100, 250), "BIM、大模型", ""),
    ],
    "transport": [
        ("城市路口信号灯自适应配时", "public_institution", "交通运输局", "kunshan",
         "早晚高峰主干道拥堵严重，信号配时方案更新周期长。",
         "基于实时流量的路口信号自适应配时与干线协调。",
         "试点区域平均延误下降15%；停车次数下降10%。",
         "卡口、地磁及信号机运行数据。", (200, 500), "强化学习、时序预测", ""),
        ("公交客流预测与智能排班", "soe", "公共交通有限公司", "sip",
         "公交线路客流潮汐明显，排班依赖经验，高峰拥挤、平峰空驶。",
         "基于刷卡与客流数据预测，自动生成排班与发车计划。",
         "客流预测准确率≥90%；车辆利用率提升10%。",
         "近两年刷卡与车载客流计数数据（脱敏）。", (80, 200), "时序预测、运筹优化", "P"),
        ("港口集装箱智能理货", "soe", "港务集团", "taicang",
         "集装箱箱号、残损识别依赖理货员现场作业，夜间与雨天效率低。",
         "岸桥加装相机，箱号、铅封、残损自动识别。",
         "箱号识别准确率≥99.5%；理货人员减少50%。",
         "岸桥视频与理货记录。", (150, 300), "OCR、机器视觉", ""),
        ("车路协同路侧感知数据融合", "soe", "交通投资集团", "xiangcheng",
         "路侧雷达、摄像头数据各自为政，难以为智能网联车辆提供可靠感知。",
         "多源感知融合平台，输出标准化交通参与者信息。",
         "目标检测准确率≥95%；端到端时延≤100毫秒。",
         "示范道路路侧设备数据。", (300, 800), "智能网联、多模态", "C"),
    ],
    "healthcare": [
        ("电子病历内涵质控", "hospital", "三级综合医院", "gusu",
         "病历质控以人工抽查为主，抽查比例低，内涵缺陷发现滞后于归档。",
         "大模型对运行病历实时质控，提示缺陷并给出修改建议。",
         "质控覆盖率100%；缺陷检出率≥90%；甲级病历率提升5个百分点。",
         "近三年出院病历约30万份（院内部署，不出院）。", (100, 250),
         "大模型、自然语言处理", "PMF"),
        ("肺结节CT影像辅助诊断", "hospital", "人民医院", "changshu",
         "体检CT量增长快，放射科医生阅片压力大，微小结节易漏诊。",
         "部署肺结节检测与良恶性风险评估，结构化报告辅助书写。",
         "结节检出敏感度≥95%；阅片时间缩短30%。",
         "已脱敏胸部CT约2万例。", (150, 400), "医学影像、机器视觉", "PM"),
        ("门诊智能导诊与预问诊", "hospital", "中医医院", "kunshan",
         "门诊挂错号比例高，医生问诊时间被病史采集占用。",
         "智能导诊推荐科室，预问诊自动生成病史摘要推送医生。",
         "导诊准确率≥95%；医生病史采集时间减少40%。",
         "门诊挂号与病历数据（脱敏）。", (60, 150), "大模型、智能客服", "PMF"),
        ("医用耗材智能管理与用量预测", "hospital", "妇幼保健院", "wuzhong",
         "高值耗材库存积压与临时短缺并存，领用追溯困难。",
         "基于手术排程预测耗材用量，智能柜自动补货。",
         "库存周转天数下降30%；缺货次数下降80%。",
         "近三年耗材出入库与手术排程数据。", (40, 100), "时序预测", "M"),
    ],
    "education": [
        ("课堂教学行为分析与教研反馈", "school", "实验小学", "snd",
         "听评课依赖人工记录，教研反馈主观，难以持续改进。",
         "分析课堂师生互动、提问类型与时间分配，生成教研报告。",
         "分析准确率≥85%；报告在课后1小时内生成。",
         "录播教室视频（不保存人脸特征）。", (40, 100), "多模态、机器视觉", "PK"),
        ("作业智能批改与学情诊断", "school", "实验中学", "wuzhong",
         "教师批改作业负担重，学情分析停留在分数层面。",
         "拍照批改数学、英语作业，按知识点生成学情诊断与分层作业。",
         "客观题批改准确率≥99%；教师批改时间减少50%。",
         "历年作业与试卷样本。", (60, 150), "OCR、大模型", "PK"),
        ("AI助教：备课与课件生成", "school", "职业技术学院", "taicang",
         "专业课更新快，教师备课和课件制作耗时多。",
         "基于校本教材的备课助手，生成教案、课件与习题。",
         "备课时间减少40%；教师满意度≥85%。",
         "校本教材与课程标准。", (30, 80), "大模型、AIGC", ""),
        ("校园安全智能预警", "public_institution", "教育局", "changshu",
         "校园周边人员聚集、陌生人闯入发现不及时。",
         "校门及周边视频智能分析，异常事件联动安保。",
         "异常事件识别准确率≥90%；告警时延≤30秒。",
         "中小学校园监控视频。", (80, 200), "机器视觉、边缘计算", "PK"),
    ],
    "energy": [
        ("园区分布式光伏发电功率预测", "soe", "能源服务有限公司", "sip",
         "屋顶光伏装机快速增长，出力波动影响园区负荷平衡与交易结算。",
         "融合气象数据的光伏功率短期与超短期预测。",
         "日前预测准确率≥90%；超短期预测准确率≥95%。",
         "200余个光伏电站的发电数据。", (60, 150), "时序预测", ""),
        ("钢铁工厂能耗优化与碳排核算", "manufacturer", "特钢有限公司", "zhangjiagang",
         "高炉、轧线能耗高，碳排放核算依赖人工报表，难以支撑减排决策。",
         "建设能碳数字孪生，优化工艺参数并自动核算碳排放。",
         "吨钢综合能耗下降3%；碳核算自动化率100%。",
         "DCS工艺数据与能源计量数据。", (100, 300), "数字孪生、时序预测", "C"),
        ("配电网故障智能研判", "soe", "供电服务有限公司", "wujiang",
         "配网故障定位依赖调度员经验，停电时长偏长。",
         "融合拓扑、告警与工单的故障研判与抢修建议。",
         "故障定位准确率≥90%；平均停电时长缩短20%。",
         "配网拓扑、历史故障与抢修工单。", (200, 500), "知识图谱、大模型", "S"),
        ("储能电站运维与电池健康预测", "soe", "储能科技有限公司", "changshu",
         "储能电池一致性差异大，热失控风险需要提前发现。",
         "电池健康度评估与异常预警，优化充放电策略。",
         "异常预警提前量≥24小时；电池寿命延长10%。",
         "BMS运行数据约两年。", (80, 200), "时序预测、预测性维护", ""),
    ],
    "culture_tourism": [
        ("古城文旅智能导览数字人", "soe", "文旅集团", "gusu",
         "古城游客多、讲解员少，外地与境外游客讲解需求难以满足。",
         "多语种导览数字人，结合位置讲解园林、街巷与非遗故事。",
         "讲解内容准确率≥95%；支持中英日韩四种语言。",
         "古城文化资料与讲解词约200万字。", (80, 200), "大模型、AIGC、语音识别", "F"),
        ("园林景区客流预测与疏导", "public_institution", "园林管理处", "gusu",
         "节假日园林景区客流集中，限流与疏导依赖现场判断。",
         "预测分时段客流，联动预约与游线推荐。",
         "客流预测误差≤10%；高峰排队时间缩短30%。",
         "近五年票务与闸机数据。", (50, 120), "时序预测、机器视觉", ""),
        ("博物馆文物数字化与智能展示", "public_institution", "博物馆", "wuzhong",
         "馆藏文物展出比例低，数字化与展陈内容制作周期长。",
         "文物三维数字化与AIGC辅助展陈内容生成。",
         "年数字化文物≥2000件；展陈内容制作周期缩短50%。",
         "馆藏文物影像与档案。", (100, 250), "AIGC、数字孪生", ""),
        ("苏绣纹样AIGC创作辅助", "sme", "刺绣文化有限公司", "snd",
         "传统纹样设计耗时，年轻消费者需求变化快，设计师不足。",
         "基于传统纹样库的AIGC设计辅助，生成可刺绣的纹样稿。",
         "纹样设计周期缩短60%；新品上新数量翻倍。",
         "自有纹样图库约1万幅（有版权）。", (20, 60), "AIGC", "F"),
    ],
    "consumption": [
        ("连锁商超智能补货与销量预测", "sme", "连锁超市有限公司", "kunshan",
         "生鲜损耗率高，门店订货依赖店长经验，畅销品常缺货。",
         "按门店、品类预测销量，自动生成补货建议。",
         "生鲜损耗率下降20%；缺货率下降30%。",
         "近三年门店POS销售与库存数据。", (60, 150), "时序预测、推荐系统", ""),
        ("服装电商直播数字人与商品文案生成", "sme", "服饰电商有限公司", "changshu",
         "直播人力成本高，上新频繁，商品文案与短视频制作跟不上。",
         "数字人直播与商品图文、短视频自动生成。",
         "直播时长覆盖24小时；内容制作成本下降50%。",
         "商品图片、历史直播视频与文案。", (30, 80), "AIGC、大模型", "F"),
        ("商圈客流分析与精准营销", "soe", "商业管理有限公司", "sip",
         "商圈客流来源与转化不清楚，营销活动效果难评估。",
         "客流画像与热力分析，营销活动效果归因。",
         "营销转化率提升15%；活动评估在3天内完成。",
         "商场WiFi探针与会员数据（需合规处理）。", (50, 120), "推荐系统、机器视觉", "PS"),
        ("家电售后智能客服与工单处理", "manufacturer", "精密制造有限公司", "sip",
         "售后咨询量大，人工客服高峰排队，工单分类与派修易出错。",
         "大模型客服自动答复常见问题，工单自动分类派修。",
         "自助解决率≥70%；工单分类准确率≥95%。",
         "近两年客服对话与售后工单约80万条。", (40, 100), "智能客服、大模型", "DP"),
    ],
    "human_resources": [
        ("人岗智能匹配与简历解析", "public_institution", "人力资源服务中心", "kunshan",
         "招聘会与线上岗位信息量大，求职者与岗位匹配效率低。",
         "简历结构化解析，人岗双向智能推荐。",
         "简历解析准确率≥95%；推荐岗位点击率提升30%。",
         "岗位库约10万条；求职者简历（授权使用）。", (50, 120), "自然语言处理、推荐系统",
         "P"),
        ("职业技能培训智能推荐与考评", "public_institution", "职业技能鉴定中心", "xiangcheng",
         "培训课程与企业用工需求脱节，实操考评依赖考官主观判断。",
         "按岗位技能缺口推荐课程，实操视频AI辅助考评。",
         "培训结业就业率提升10%；考评一致性≥90%。",
         "培训课程库与历年考评记录。", (40, 100), "推荐系统、机器视觉", "P"),
        ("重点企业用工需求预测", "public_institution", "就业管理中心", "zhangjiagang",
         "重点企业季节性用工缺口大，难以提前组织招聘。",
         "结合订单、社保与招聘数据预测用工需求。",
         "季度用工预测误差≤15%。",
         "社保参保与招聘平台数据（脱敏汇总）。", (60, 150), "时序预测", "S"),
        ("制造企业员工智能排班", "manufacturer", "精密制造有限公司", "sip",
         "多工序多技能员工排班复杂，加班成本高，员工满意度低。",
         "考虑技能、工时法规与意愿的智能排班。",
         "排班耗时从1天降至10分钟；加班工时下降15%。",
         "员工技能矩阵与近一年考勤数据。", (30, 80), "运筹优化", "DP"),
    ],
    "agriculture": [
        ("水稻病虫害识别与无人机精准施药", "soe", "农业发展集团", "taicang",
         "病虫害发现依赖人工田间巡查，统防统治用药量偏大。",
         "无人机巡田识别病虫害，生成处方图精准施药。",
         "识别准确率≥90%；农药使用量减少20%。",
         "万亩高标准农田多光谱影像。", (50, 120), "机器视觉、低空经济", ""),
        ("大闸蟹养殖水质智能监测", "sme", "水产养殖专业合作社", "xiangcheng",
         "溶氧等水质指标夜间波动大，缺氧造成损失，巡塘依赖人工。",
         "水质传感器与预测模型，自动控制增氧机。",
         "缺氧事件减少80%；亩均增收10%。",
         "300亩养殖塘水质监测数据。", (20, 60), "物联网、时序预测", ""),
        ("设施大棚环境智能调控", "sme", "现代农业园", "zhangjiagang",
         "大棚温湿度、光照调控依赖经验，能耗高、品质不稳定。",
         "环境感知与作物生长模型联动，自动调控卷帘、风机与灌溉。",
         "能耗下降15%；优果率提升10%。",
         "50个大棚的环境与产量数据。", (30, 80), "物联网、强化学习", ""),
        ("碧螺春茶园智能管理与品质分级", "sme", "茶业专业合作社", "wuzhong",
         "茶园采摘期短，鲜叶分级靠人工，品质与价格不稳定。",
         "茶园长势监测与鲜叶图像分级。",
         "分级准确率≥90%；分级效率提升3倍。",
         "鲜叶图片约2万张。", (20, 50), "机器视觉", ""),
    ],
    "social_governance": [
        ("养老机构老人跌倒检测与夜间看护", "elderly_care", "社会福利院", "gusu",
         "夜间护理员配比低，老人跌倒、离床发现不及时。",
         "房间内非接触式感知（毫米波雷达与视觉结合）识别跌倒、离床与异常静止。",
         "跌倒识别准确率≥95%；告警时延≤10秒；误报≤1次/床/周。",
         "不提供历史影像；可在机构内试点采集。", (30, 80), "机器视觉、边缘计算",
         "P"),
        ("运动员动作分析与训练辅助", "sports", "体育运动学校", "snd",
         "技术动作纠正依赖教练肉眼观察，训练数据难以量化积累。",
         "多机位视频姿态估计，量化分析跳跃、游泳等技术动作。",
         "关键点误差≤3厘米；分析报告在训练后10分钟内生成。",
         "训练视频约5000小时（运动员及监护人已授权）。", (50, 120), "机器视觉、多模态",
         "PK"),
        ("城市网格事件智能分拨", "public_institution", "城市运行管理中心", "wujiang",
         "网格员上报事件量大，分拨依赖人工阅读，退单率高。",
         "大模型理解事件描述与照片，自动分类并分拨到责任部门。",
         "分拨准确率≥90%；平均分拨时长≤1分钟。",
         "近三年网格事件约60万条。", (100, 250), "大模型、多模态", "P"),
        ("全民健身场馆智能管理", "sports", "体育中心", "kunshan",
         "场馆预约、客流与设备运维信息分散，高峰时段排队。",
         "客流预测、智能预约与设备故障预警。",
         "场馆利用率提升20%；投诉下降30%。",
         "场馆预约与闸机数据。", (30, 80), "时序预测、物联网", ""),
    ],
    "government_services": [
        ("12345热线工单智能分派", "public_institution", "12345便民服务中心", "xiangcheng",
         "热线工单量大，人工分派耗时且易错派，承办单位退单率高。",
         "大模型理解诉求，自动分类、分派并推荐答复口径。",
         "分派准确率≥90%；平均分派时长≤30秒；退单率下降30%。",
         "近三年热线工单约200万条（脱敏）。", (150, 300), "大模型、自然语言处理", "PF"),
        ("一网通办智能问答与办事引导", "public_institution", "行政审批局", "taicang",
         "办事指南条目多，群众不知道该办哪件事、准备哪些材料。",
         "政务大模型问答，按情形引导办理并预审材料。",
         "问答准确率≥92%；材料一次通过率提升20%。",
         "事项办事指南约3000项。", (100, 250), "大模型、知识图谱", "F"),
        ("公文智能辅助写作与校对", "public_institution", "政府办公室", "zhangjiagang",
         "公文起草耗时，格式与政策表述错误需多轮校对。",
         "本地部署公文写作与校对助手。",
         "起草效率提升40%；格式差错率下降90%。",
         "历年公开公文与写作规范（内网处理）。", (50, 120), "大模型", "S"),
        ("惠企政策智能匹配与免申即享", "public_institution", "企业服务中心", "wujiang",
         "政策条款多，企业不知道能享受哪些政策，申报材料重复提交。",
         "政策条款结构化，按企业画像自动匹配并推送免申即享。",
         "匹配准确率≥90%；免申即享事项覆盖≥30项。",
         "政策文件库与企业登记、纳税数据（授权）。", (80, 200), "知识图谱、大模型", "S"),
    ],
}

# Solution catalogue per sector: title, summary, tags, maturity, price in 万元, case study.
SOLUTIONS: dict[str, list[tuple]] = {
    "manufacturing": [
        ("工业视觉缺陷检测平台", "小样本学习的表面缺陷检测，支持注塑、金属、面板等多品类。",
         "机器视觉、缺陷检测、边缘计算", "product", 30,
         ("汽车零部件企业", "替代12名目检工人，实现三条产线在线全检。",
          [("漏检率", "0.3%"), ("检测节拍", "1.2秒/件")])),
        ("设备预测性维护系统", "振动、电流多源数据融合的设备健康管理与故障预警。",
         "预测性维护、时序预测、边缘计算", "product", 50,
         ("精密机械企业", "覆盖80台数控机床，提前一周预警主轴故障。",
          [("预警准确率", "88%"), ("非计划停机", "下降35%")])),
        ("多约束智能排产APS", "面向离散制造的智能排产与插单重排。", "工业软件、强化学习",
         "scale", 80,
         ("电子制造企业", "插单后5分钟内完成重排，交期显著改善。",
          [("交期达成率", "96%"), ("排产耗时", "8分钟")])),
    ],
    "finance": [
        ("信贷智能风控模型平台", "多源数据授信、反欺诈与贷后预警一体化。", "风控建模、知识图谱",
         "product", 100,
         ("农村商业银行", "小微贷款线上化审批。", [("模型KS", "0.45"), ("审批时长", "4小时")])),
        ("金融合规质检大模型", "双录与客服对话的全量合规质检。", "语音识别、大模型", "pilot", 120,
         ("城市商业银行", "理财双录全量质检。", [("质检覆盖率", "100%"), ("违规召回率", "92%")])),
        ("智能票据识别与核验", "发票、合同、单据识别与交叉核验。", "OCR、大模型", "product", 20,
         ("供应链金融公司", "单据处理自动化。", [("字段准确率", "99.1%"), ("单笔耗时", "20秒")])),
    ],
    "research": [
        ("材料研发主动学习平台", "实验设计与性能预测的闭环主动学习。", "AI for Science、主动学习",
         "pilot", 150,
         ("新材料企业研究院", "配方研发周期缩短。", [("实验轮次", "减少55%")])),
        ("科研文献知识库问答", "带出处的文献检索、问答与综述生成。", "大模型、知识图谱",
         "product", 40,
         ("高校图书馆", "支撑研究生文献调研。", [("检索相关性", "91%")])),
        ("分子虚拟筛选引擎", "分子性质预测与虚拟筛选。", "AI for Science", "pilot", 200,
         ("创新药企业", "先导化合物发现提速。", [("命中率提升", "3.2倍")])),
    ],
    "low_altitude": [
        ("无人机自动机场巡检系统", "自动机场、航线与AI识别一体化巡检。", "低空经济、机器视觉",
         "product", 60,
         ("区级水务部门", "河道日巡代替周巡。", [("巡检效率", "提升8倍"), ("识别准确率", "91%")])),
        ("低空航线规划与调度平台", "城市低空物流航线规划、多机调度与空域申报。",
         "低空经济、路径规划", "pilot", 150,
         ("低空物流企业", "医疗样本跨院配送。", [("准点率", "97%")])),
        ("输电线路缺陷识别算法", "绝缘子、鸟巢、异物等20类缺陷识别。", "低空经济、机器视觉",
         "product", 40,
         ("电力工程企业", "巡检图片自动判读。", [("缺陷识别准确率", "93%")])),
    ],
    "construction": [
        ("智慧工地AI安全监管", "基于现有摄像头的违规行为识别与告警。", "机器视觉、边缘计算",
         "scale", 15,
         ("建筑施工企业", "覆盖25个在建项目。", [("违规行为", "下降70%")])),
        ("塔吊安全监测系统", "群塔防碰撞与吊钩可视化。", "物联网、边缘计算", "product", 25,
         ("建筑工程公司", "群塔作业零碰撞。", [("预警准确率", "99.5%")])),
        ("BIM智能审图", "BIM模型与规范知识库驱动的智能审查。", "BIM、大模型", "pilot", 80,
         ("审图机构", "常见问题自动检出。", [("审图效率", "提升3倍")])),
    ],
    "transport": [
        ("信号灯自适应配时系统", "实时流量驱动的单点自适应与干线协调。", "强化学习、时序预测",
         "product", 200,
         ("县级市交通部门", "30个路口试点。", [("平均延误", "下降18%")])),
        ("公交客流预测与排班优化", "客流预测与行车计划自动编制。", "时序预测、运筹优化",
         "product", 60,
         ("公交企业", "60条线路排班优化。", [("车辆利用率", "提升12%")])),
        ("路侧多源感知融合平台", "雷视融合感知与标准化数据输出。", "智能网联、多模态", "pilot",
         300,
         ("智能网联示范区", "示范道路全息感知。", [("检测准确率", "96%"), ("时延", "80毫秒")])),
    ],
    "healthcare": [
        ("病历内涵质控系统", "运行病历与终末病历的大模型内涵质控。", "大模型、自然语言处理",
         "product", 80,
         ("三级医院", "全院运行病历实时质控。", [("缺陷检出率", "92%"), ("甲级病历率", "+6个百分点")])),
        ("肺结节CT辅助诊断软件", "肺结节检测、随访对比与结构化报告。", "医学影像、机器视觉",
         "scale", 100,
         ("区域体检中心", "体检CT辅助阅片。", [("敏感度", "96%"), ("阅片时间", "缩短35%")])),
        ("智能导诊与预问诊", "门诊导诊、预问诊与病史摘要生成。", "大模型、智能客服", "product",
         30,
         ("综合医院", "门诊挂错号明显减少。", [("分诊准确率", "95%")])),
    ],
    "education": [
        ("课堂行为分析系统", "课堂互动、提问与时间分配分析。", "机器视觉、多模态", "product", 40,
         ("小学", "常态化教研反馈。", [("分析准确率", "87%")])),
        ("作业智能批改与学情分析", "拍照批改、知识点诊断与分层作业。", "OCR、大模型", "scale", 25,
         ("初级中学", "数学英语作业批改。", [("批改耗时", "减少60%")])),
        ("教师AI助教", "教案、课件与习题生成。", "大模型、AIGC", "product", 10,
         ("职业院校", "专业课备课提效。", [("备课时间", "减少45%")])),
    ],
    "energy": [
        ("新能源功率预测系统", "光伏、风电功率短期与超短期预测。", "时序预测", "scale", 50,
         ("能源服务企业", "分布式光伏集中预测。", [("日前预测准确率", "93%")])),
        ("工厂能碳管理平台", "能耗监测、工艺优化与碳排核算。", "数字孪生、时序预测", "product",
         60,
         ("钢铁企业", "能耗与碳排自动核算。", [("综合能耗", "下降8%")])),
        ("配网故障智能研判", "拓扑与告警融合的故障定位与抢修建议。", "知识图谱、大模型",
         "pilot", 150,
         ("供电企业", "配网故障快速定位。", [("定位准确率", "90%")])),
    ],
    "culture_tourism": [
        ("文旅导览数字人", "多语种讲解数字人与智能行程推荐。", "大模型、AIGC、语音识别",
         "product", 40,
         ("5A级景区", "多语种导览上线。", [("游客满意度", "96%")])),
        ("景区客流预测与疏导", "分时客流预测、预约联动与游线推荐。", "时序预测、机器视觉",
         "product", 50,
         ("园林景区", "节假日排队缩短。", [("预测误差", "8%")])),
        ("文物数字化与AIGC展示", "三维数字化与展陈内容生成。", "AIGC、数字孪生", "pilot", 80,
         ("地方博物馆", "数字展厅上线。", [("年数字化文物", "2500件")])),
    ],
    "consumption": [
        ("零售智能补货", "门店级销量预测与补货建议。", "时序预测、推荐系统", "scale", 40,
         ("连锁商超", "生鲜损耗下降。", [("缺货率", "下降40%"), ("损耗率", "下降22%")])),
        ("电商AIGC内容生成", "商品图文、短视频与数字人直播。", "AIGC、大模型", "product", 10,
         ("服饰电商", "内容生产提效。", [("内容成本", "下降55%")])),
        ("智能客服工单机器人", "大模型客服与工单自动分类派发。", "智能客服、大模型", "scale", 20,
         ("家电企业", "售后咨询自助解决。", [("自助解决率", "75%")])),
    ],
    "human_resources": [
        ("人岗智能匹配引擎", "简历解析与人岗双向推荐。", "自然语言处理、推荐系统", "product",
         30,
         ("人力资源服务机构", "线上招聘会匹配。", [("解析准确率", "96%")])),
        ("技能培训推荐与AI考评", "技能缺口分析、课程推荐与实操考评。", "大模型、推荐系统",
         "product", 25,
         ("职业培训机构", "实操考评辅助。", [("考评一致性", "91%")])),
        ("用工需求预测平台", "行业与企业用工需求预测。", "时序预测", "pilot", 50,
         ("县级市就业部门", "季度用工预测。", [("预测误差", "12%")])),
    ],
    "agriculture": [
        ("病虫害识别与精准施药", "无人机巡田、病虫害识别与处方图。", "机器视觉、低空经济",
         "product", 30,
         ("农业合作社", "万亩农田统防统治。", [("农药用量", "减少22%")])),
        ("水产养殖水质智能监测", "溶氧预测与增氧机智能控制。", "物联网、时序预测", "product", 15,
         ("水产养殖合作社", "缺氧事件显著减少。", [("缺氧事件", "减少85%")])),
        ("设施农业环境调控", "大棚环境感知与智能调控。", "物联网、强化学习", "pilot", 25,
         ("现代农业园", "温室节能增产。", [("能耗", "下降16%")])),
    ],
    "social_governance": [
        ("跌倒检测与夜间看护系统", "毫米波雷达与视觉结合的跌倒、离床识别。", "机器视觉、边缘计算",
         "product", 15,
         ("养老机构", "夜间看护告警。", [("跌倒识别准确率", "96%"), ("告警时延", "5秒")])),
        ("运动员动作分析系统", "多机位姿态估计与技术动作量化分析。", "机器视觉、多模态",
         "pilot", 60,
         ("体育运动学校", "跳水、田径训练辅助。", [("关键点误差", "2.5厘米")])),
        ("城市网格事件智能分拨", "事件理解、分类与分拨。", "大模型、多模态", "product", 80,
         ("区级城市运行管理中心", "网格事件自动分拨。", [("分拨准确率", "91%")])),
    ],
    "government_services": [
        ("12345热线工单智能分派", "诉求理解、工单分类分派与答复辅助。", "大模型、自然语言处理",
         "scale", 120,
         ("地市12345热线", "工单自动分派。", [("分派准确率", "91%"), ("分派时长", "30秒")])),
        ("政务智能问答", "办事指南问答、情形引导与材料预审。", "大模型、知识图谱", "product", 60,
         ("行政审批部门", "一网通办智能客服。", [("问答准确率", "93%")])),
        ("公文智能写作与校对", "本地部署的公文起草与校对助手。", "大模型", "product", 30,
         ("区级政府办公室", "公文起草提效。", [("起草效率", "提升45%")])),
    ],
}

# fmt: on
SUPPLIER_BRANDS = [
    "智瞳视觉",
    "鉴微数科",
    "格物智算",
    "擎羽航空",
    "筑识智能",
    "通衢交通",
    "知微医疗",
    "启明教育",
    "澄湖能源",
    "沧浪文旅",
    "织锦零售",
    "聚才数据",
    "禾丰智农",
    "明察智能",
    "政通智能",
    "锐眸工业",
    "衡信金融",
    "问渠知识",
    "望舒低空",
    "安澜建科",
    "驰骋智联",
    "仁心医学",
    "博学教育",
    "沐光电力",
    "吴韵数字",
    "云裳智能",
    "英才智能",
    "田园数智",
    "康宁养老",
    "云政科技",
    "睿控装备",
    "泓川风控",
    "九章智能",
    "巡天无人机",
    "方舟孪生",
    "畅行智能",
    "济世医疗",
    "书香智能",
    "储能云",
    "园林数字",
]  # brand i works mainly in the i-th sector of DEMANDS (modulo 15)
CERTIFICATIONS = [
    ("专精特新中小企业", "江苏省工业和信息化厅"),
    ("高新技术企业", "江苏省科学技术厅、江苏省财政厅、国家税务总局江苏省税务局"),
    ("ISO/IEC 27001 信息安全管理体系认证", "认证机构（示例）"),
    ("CMMI 3级", "CMMI Institute（示例）"),
]
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭何高林罗"
TITLES = ["工", "经理", "主任", "老师", "科长"]


@dataclass
class Login:
    role: str
    username: str
    tries: str


LOGINS = [
    Login("专班办公室", "office", "审核单位注册与需求、编制并发布需求清单、组织路演"),
    Login("板块主管（工业园区）", "district", "受理本板块需求（开始审核/退回），看本板块对接情况"),
    Login("需求方", "demander", "发布需求、补正被退回的需求、处理揭榜方案（入围/选定）"),
    Login("供给方", "supplier", "维护方案与案例、揭榜需求、报名路演"),
    Login("算力供给方", "compute", "维护单位信息（算力服务随算力模块开放）"),
    Login("待审核单位", "pending", "登录后看到“单位待审核”，暂不能发布内容"),
]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table() -> str:
    rows = [("角色", "用户名", "密码", "可以试试")]
    rows += [(lg.role, lg.username, DEMO_PASSWORD, lg.tries) for lg in LOGINS]
    widths = [max(_width(r[i]) for r in rows) for i in range(3)]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(_pad(r[i], widths[i]) for i in range(3)) + "  " + r[3])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 20)
    return "\n".join(lines)


def _yuan(wan: float) -> Decimal:
    return (Decimal(str(wan)) * 10000).quantize(Decimal("1.00"))


class DemoBuilder:
    """Builds the demo data set with one seeded random generator."""

    def __init__(self, seed: int, out) -> None:
        self.rng = random.Random(seed)
        self.out = out
        self.city = CityPack.objects.order_by("id").first()
        self.meta = pack_meta(self.city.code) if self.city else {}
        self.sectors = {s.code: s for s in Sector.objects.all()}
        self.areas = {a.code: a for a in Area.objects.all()}
        self.dtypes = {t.code: t for t in DemanderType.objects.all()}
        self.seq = 0
        self._hashed: str | None = None

    # --- accounts ---------------------------------------------------------------------------
    def _org(self, name: str, kind: str, **fields) -> Organisation:
        org = Organisation.objects.filter(name=name).first()
        if org is None:
            self.seq += 1
            fields.setdefault("status", OrgStatus.APPROVED)
            fields.setdefault("contact_phone", f"0512-6000{self.seq:04d}")
            org = Organisation.objects.create(name=name, kind=kind, is_demo=True, **fields)
        return org

    def _member(
        self, org: Organisation, username: str, display_name: str, password: str | None = None
    ) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=None,
                organisation=org,
                display_name=display_name,
                email=f"{username}@example.com",
            )
            if password:
                # One hash for all the role logins (same password): hashing is the slow part.
                if self._hashed is None:
                    self._hashed = make_password(password)
                user.password = self._hashed
                user.save(update_fields=["password"])
        return user

    def role_accounts(self) -> dict[str, User]:
        """The logins of the table; created if missing, left alone otherwise."""
        city = self.city.name
        sip = self.areas.get("sip") or next(iter(self.areas.values()))
        office_name = self.meta.get("office_name") or f"{city}市人工智能+工作专班办公室"
        orgs = {
            "office": self._org(
                PREFIX + office_name, Role.OFFICE, description="示例账号所属的专班办公室。"
            ),
            "district": self._org(
                f"{PREFIX}{sip.name}“人工智能+”工作专班",
                Role.DISTRICT,
                area=sip,
                description=f"示例：{sip.name}板块主管。",
            ),
            "demander": self._org(
                f"{PREFIX}{city}某精密制造有限公司",
                Role.DEMANDER,
                area=sip,
                demander_type=self.dtypes.get("manufacturer"),
                description="示例需求方：汽车与家电精密零部件制造。",
                contact_name="王工",
            ),
            "supplier": self._org(
                f"{PREFIX}{city}{SUPPLIER_BRANDS[0]}科技有限公司",
                Role.SUPPLIER,
                area=sip,
                description="示例供给方：工业视觉与设备智能运维。",
            ),
            "compute": self._org(
                f"{PREFIX}{city}某智算中心有限公司",
                Role.COMPUTE_PROVIDER,
                area=self.areas.get("xiangcheng", sip),
                description="示例算力供给方：公共智算中心运营。",
            ),
        }
        users = {}
        names = {
            "office": "专班办公室（示例）",
            "district": "园区板块主管（示例）",
            "demander": "需求方（示例）",
            "supplier": "供给方（示例）",
            "compute": "算力供给方（示例）",
        }
        for key, org in orgs.items():
            users[key] = self._member(org, key, names[key], DEMO_PASSWORD)
        pending = User.objects.filter(username="pending").first()
        if pending is None and not Organisation.objects.filter(name=PENDING_ORG).exists():
            pending = account_services.register_organisation(
                name=PENDING_ORG,
                kind=Role.SUPPLIER,
                username="pending",
                password=DEMO_PASSWORD,
                display_name="待审核用户（示例）",
                email="pending@example.com",
                area=self.areas.get("wuzhong", sip),
                description="示例：刚注册、等待专班审核的单位。",
            )
            Organisation.objects.filter(pk=pending.organisation_id).update(is_demo=True)
        users["pending"] = pending
        return users

    # --- demands ----------------------------------------------------------------------------
    def _statuses(self, n: int) -> list[str]:
        pool = (
            [S.DRAFT] * 1
            + [S.SUBMITTED] * 2
            + [S.IN_REVIEW] * 2
            + [S.IN_TALKS] * 14
            + [S.PILOT] * 6
            + [S.DEPLOYED] * 5
            + [S.PROMOTED] * 3
            + [S.CLOSED] * 2
        )
        pool += [S.PUBLISHED] * max(0, n - len(pool))
        self.rng.shuffle(pool)
        return pool[:n]

    def _demand_data(self, sector, row, n: int) -> dict:
        (title, dtype, org_desc, area_code, pain, goals, kpis, data, (lo, hi), tags, flags) = row
        area = self.areas[area_code]
        start = date(2025, 7, 1) + timedelta(days=30 * self.rng.randrange(0, 12))
        return {
            "title": title,
            "sector": sector.pk,
            "area": area.pk,
            "demander_type": self.dtypes[dtype].pk,
            "pain_point": pain,
            "goals": goals,
            "kpis": kpis,
            "data_available": data,
            "data_sensitivity": (
                "personal"
                if "P" in flags
                else "sensitive"
                if "S" in flags or "M" in flags
                else self.rng.choice(["internal", "internal", "public"])
            ),
            "site": f"{area.name}·{org_desc}",
            "budget_min": str(_yuan(lo)),
            "budget_max": str(_yuan(hi)),
            "budget_confidential": "C" in flags,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=30 * self.rng.choice([6, 9, 12, 18]))).isoformat(),
            "acceptance_criteria": f"试点运行三个月，{kpis.split('；')[0]}，经需求方与专班组织验收。",
            "involves_personal_info": "P" in flags,
            "involves_medical_data": "M" in flags,
            "involves_minors": "K" in flags,
            "needs_algorithm_filing": "F" in flags,
            "contact_name": self.rng.choice(SURNAMES) + self.rng.choice(TITLES) + "（示例）",
            "contact_phone": f"0512-6800{n:04d}",
            "contact_email": f"demand{n:03d}@example.com",
            "visibility": Visibility.PUBLIC,
            "tag_names": tags,
        }

    def demander_for(self, row, users) -> tuple[Organisation, User]:
        (_, dtype, org_desc, area_code, *_rest, flags) = row
        if "D" in flags:
            return users["demander"].organisation, users["demander"]
        area = self.areas[area_code]
        name = f"{PREFIX}{area.name}某{org_desc}"
        org = self._org(
            name,
            Role.DEMANDER,
            area=area,
            demander_type=self.dtypes[dtype],
            description=f"示例需求方（{self.dtypes[dtype].name}）。",
            contact_name=self.rng.choice(SURNAMES) + "主任",
        )
        user = org.members.first() or self._member(org, f"demo-d{org.pk}", f"{org_desc}（示例）")
        return org, user

    def build(self, users) -> None:
        office, district = users["office"], users["district"]
        rng = self.rng
        # Suppliers and their solutions.
        sector_codes = [c for c in DEMANDS if c in self.sectors]
        suppliers: list[tuple[Organisation, User, str]] = []
        area_list = list(self.areas.values())
        for i, brand in enumerate(SUPPLIER_BRANDS):
            code = sector_codes[i % len(sector_codes)]
            if i == 0:
                org, user = users["supplier"].organisation, users["supplier"]
            else:
                org = self._org(
                    f"{PREFIX}{self.city.name}{brand}科技有限公司",
                    Role.SUPPLIER,
                    area=rng.choice(area_list),
                    description=f"示例供给方：{self.sectors[code].name}领域人工智能解决方案。",
                    contact_name=rng.choice(SURNAMES) + "经理",
                )
                user = self._member(org, f"demo-s{i:02d}", f"{brand}（示例）")
            suppliers.append((org, user, code))
            catalogue = SOLUTIONS[code]
            count = 3 if i == 0 else rng.randint(1, 3)
            for title, summary, tags, maturity, price, case in rng.sample(catalogue, count)[:count]:
                extra = rng.choice(sector_codes)
                sol = services.save_solution(
                    actor=user,
                    is_demo=True,
                    data={
                        "title": f"{brand}·{title}",
                        "summary": summary,
                        "description": f"{summary}\n\n支持私有化部署与国产化软硬件适配，提供数据治理、"
                        f"模型训练、上线运维的全流程服务。（示例数据）",
                        "sectors": sorted({self.sectors[code].pk, self.sectors[extra].pk}),
                        "maturity": maturity,
                        "price_from": str(_yuan(price)),
                        "is_published": True,
                        "tag_names": tags,
                    },
                )
                customer, outcome, metrics = case
                services.add_case_study(
                    actor=user,
                    solution=sol,
                    data={
                        "customer": f"{PREFIX}某{customer}",
                        "customer_sector": self.sectors[code].pk,
                        "year": rng.choice([2023, 2024, 2025]),
                        "outcome": outcome,
                    },
                    metrics=[{"name": k, "value": v} for k, v in metrics],
                )
            for name, issuer in CERTIFICATIONS:
                if rng.random() < 0.45 or (i == 0 and "27001" in name):
                    Certification.objects.create(
                        organisation=org,
                        name=name,
                        issuer=issuer,
                        number=f"示例-{org.pk:04d}-{len(name):02d}",
                        valid_until=date(2026 + rng.randint(0, 2), rng.randint(1, 12), 28),
                    )
            if (
                any(t in "".join(s[2] for s in catalogue) for t in ("大模型", "AIGC", "语音"))
                and rng.random() < 0.6
            ):
                generative = rng.random() < 0.7
                AlgorithmFiling.objects.create(
                    organisation=org,
                    is_demo=True,
                    kind=(
                        AlgorithmFiling.Kind.GENERATIVE
                        if generative
                        else AlgorithmFiling.Kind.DEEP_SYNTHESIS
                    ),
                    name=f"{brand}{'行业大模型服务' if generative else '数字人合成算法'}",
                    model_name=f"{brand}大模型 v{rng.randint(1, 3)}.{rng.randint(0, 9)}",
                    number=f"示例备案号-{org.pk:05d}",
                    filed_on=date(2024, 1, 1) + timedelta(days=rng.randrange(0, 540)),
                    status=(
                        AlgorithmFiling.Status.FILED
                        if rng.random() < 0.8
                        else AlgorithmFiling.Status.PENDING
                    ),
                )

        # Demands: create, then move each along the lifecycle as the demo users.
        rows = [(code, row) for code in sector_codes for row in DEMANDS[code]]
        statuses = self._statuses(len(rows))
        owned = {
            "注塑件表面缺陷视觉检测": S.PUBLISHED,
            "数控机床主轴预测性维护": S.IN_TALKS,
            "多品种小批量智能排产": S.DRAFT,
            "家电售后智能客服与工单处理": S.RETURNED,
            "制造企业员工智能排班": S.SUBMITTED,
        }
        by_sector: dict[str, list] = {}
        for org, user, code in suppliers:
            by_sector.setdefault(code, []).append((org, user))
        for n, ((code, row), status) in enumerate(zip(rows, statuses, strict=True), start=1):
            status = owned.get(row[0], status)
            _, owner = self.demander_for(row, users)
            data = self._demand_data(self.sectors[code], row, n)
            if status in PUBLIC_STATUSES and rng.random() < 0.1:
                data["visibility"] = Visibility.REGISTERED
            demand = services.create_demand(actor=owner, data=data, is_demo=True)
            if status == S.DRAFT:
                continue
            demand = services.transition_demand(actor=owner, demand=demand, to_status=S.SUBMITTED)
            if status == S.SUBMITTED:
                continue
            if status == S.RETURNED:
                services.transition_demand(
                    actor=office,
                    demand=demand,
                    to_status=S.RETURNED,
                    note="请补充可提供数据的规模与脱敏方式，并细化验收标准。",
                )
                continue
            reviewer = district if demand.area_id == district.organisation.area_id else office
            demand = services.transition_demand(
                actor=reviewer, demand=demand, to_status=S.IN_REVIEW
            )
            if status == S.IN_REVIEW:
                continue
            demand = services.transition_demand(
                actor=office, demand=demand, to_status=S.PUBLISHED, note="经专班审核发布"
            )
            if status == S.CLOSED:
                services.transition_demand(
                    actor=owner,
                    demand=demand,
                    to_status=S.CLOSED,
                    note="需求已通过自有团队解决，关闭征集。",
                )
                continue
            # Proposals from suppliers of the sector (and, for the demo demander, the demo
            # supplier first, so both logins see a conversation).
            candidates = list(by_sector.get(code, []))
            others = [s for s in ((o, u) for o, u, _ in suppliers) if s not in candidates]
            candidates += rng.sample(others, 2)
            wanted = rng.randint(0 if status == S.PUBLISHED else 1, 3)
            if demand.demander_id == users["demander"].organisation_id:
                proposers = candidates[:2]
            else:
                proposers = rng.sample(candidates, wanted)
            proposals = []
            lo, hi = float(demand.budget_min), float(demand.budget_max)
            for org, user in proposers:
                solution = (
                    org.solutions.filter(sectors=demand.sector).first() or org.solutions.first()
                )
                price = _yuan(round((lo + (hi - lo) * rng.random()) / 10000, 1))
                proposals.append(
                    services.submit_proposal(
                        actor=user,
                        demand=demand,
                        is_demo=True,
                        data={
                            "solution": solution.pk if solution else "",
                            "approach": (
                                f"基于“{solution.title if solution else org.name}”，"
                                f"分三阶段实施：数据梳理与标注（1个月）、模型训练与联调"
                                f"（2个月）、试运行与验收（1个月）。针对“{demand.title}”的"
                                f"考核指标逐项给出实现路径。（示例）"
                            ),
                            "price": str(price),
                            "duration_days": rng.choice([60, 90, 120, 180]),
                        },
                    )
                )
            if status == S.PUBLISHED:
                continue
            first = proposals[0]
            services.shortlist_proposal(actor=owner, proposal=first)
            if status == S.IN_TALKS:
                continue
            services.select_proposal(actor=owner, proposal=first)
            if status == S.PILOT:
                continue
            demand = services.transition_demand(
                actor=owner, demand=demand, to_status=S.DEPLOYED, note="试点验收通过，正式上线"
            )
            if status == S.PROMOTED:
                services.transition_demand(
                    actor=office, demand=demand, to_status=S.PROMOTED, note="纳入全市推广案例"
                )

        # Demand lists.
        city = self.city.name
        issuer = self.meta.get("office_name", "")
        public = list(
            Demand.objects.filter(
                is_demo=True, status__in=PUBLIC_STATUSES, visibility=Visibility.PUBLIC
            )
            .select_related("sector")
            .order_by("id")
        )
        published = services.create_demand_list(
            actor=office,
            is_demo=True,
            data={
                "name": LIST_NAME.format(year=2025, city=city),
                "year": 2025,
                "issuer": issuer,
                "description": "示例清单：由演示数据生成，仅用于体验平台功能。",
            },
        )
        services.add_to_list(actor=office, demand_list=published, demands=public)
        services.publish_demand_list(actor=office, demand_list=published)
        draft = services.create_demand_list(
            actor=office,
            is_demo=True,
            data={
                "name": DRAFT_LIST_NAME.format(year=2026, city=city),
                "year": 2026,
                "issuer": issuer,
                "description": "示例：编制中的清单，尚未发布。",
            },
        )
        services.add_to_list(
            actor=office,
            demand_list=draft,
            demands=[d for d in public if d.status == S.PUBLISHED][:6],
        )

        # Roadshows: one held (registrations closed), one open.
        def agenda(codes):
            return [d for d in public if d.sector.code in codes][:8]

        sip = district.organisation.area
        shows = [
            (
                "智能制造与能源场景专场路演（示例）",
                "2025-09-18 14:00",
                sip,
                "manufacturing",
                ("manufacturing", "energy"),
                "done",
                20,
            ),
            (
                "智慧民生场景专场路演：医疗·养老·政务（示例）",
                "2026-03-20 14:00",
                self.areas.get("gusu", sip),
                "healthcare",
                ("healthcare", "social_governance", "government_services"),
                "open",
                12,
            ),
        ]
        for title, starts, area, sector_code, codes, final, capacity in shows:
            demands = agenda(codes)
            show = services.save_roadshow(
                actor=office,
                demands=demands,
                is_demo=True,
                data={
                    "title": title,
                    "starts_at": starts,
                    "venue": f"{area.name}人工智能创新中心（示例）",
                    "area": area.pk,
                    "sector": self.sectors[sector_code].pk,
                    "description": "需求方现场介绍场景，供给方报名一对一洽谈。（示例）",
                    "capacity": capacity,
                    "status": "open",
                },
            )
            regs = [s for s in suppliers if s[2] in codes] + rng.sample(suppliers, 3)
            seen = set()
            for org, user, code in regs:
                if org.pk in seen or len(seen) >= capacity - 2:
                    continue
                seen.add(org.pk)
                meets = [d for d in demands if d.sector.code == code][:2] or demands[:1]
                services.register_for_roadshow(
                    actor=user,
                    roadshow=show,
                    meeting_demands=meets,
                    note="希望与需求方一对一洽谈。（示例）",
                )
            if final != "open":
                services.save_roadshow(
                    actor=office,
                    roadshow=show,
                    demands=demands,
                    data={
                        "title": title,
                        "starts_at": starts,
                        "venue": show.venue,
                        "area": area.pk,
                        "sector": self.sectors[sector_code].pk,
                        "description": show.description,
                        "capacity": capacity,
                        "status": final,
                    },
                )


COUNTED = [
    ("单位", lambda: Organisation.objects.filter(is_demo=True)),
    ("用户", lambda: User.objects.filter(organisation__is_demo=True)),
    ("场景需求", lambda: Demand.objects.filter(is_demo=True)),
    ("解决方案", lambda: Solution.objects.filter(is_demo=True)),
    ("应用案例", lambda: CaseStudy.objects.filter(solution__is_demo=True)),
    ("资质认证", lambda: Certification.objects.filter(organisation__is_demo=True)),
    ("算法备案", lambda: AlgorithmFiling.objects.filter(is_demo=True)),
    ("揭榜方案", lambda: Proposal.objects.filter(is_demo=True)),
    ("需求清单", lambda: DemandList.objects.filter(is_demo=True)),
    ("路演活动", lambda: Roadshow.objects.filter(is_demo=True)),
    ("路演报名", lambda: RoadshowRegistration.objects.filter(roadshow__is_demo=True)),
]


def counts() -> dict[str, int]:
    return {label: qs().count() for label, qs in COUNTED}


@transaction.atomic
def reset_demo() -> None:
    """Delete demo data (and anything created inside demo organisations)."""
    demo_orgs = Organisation.objects.filter(is_demo=True)
    demands = Demand.objects.filter(Q(is_demo=True) | Q(demander__in=demo_orgs))
    DemandList.objects.filter(is_demo=True).delete()
    DemandListItem.objects.filter(demand__in=demands).delete()
    Roadshow.objects.filter(is_demo=True).delete()
    Proposal.objects.filter(Q(is_demo=True) | Q(demand__in=demands)).delete()
    demands.delete()
    AlgorithmFiling.objects.filter(is_demo=True).delete()
    User.objects.filter(organisation__in=demo_orgs).delete()
    demo_orgs.delete()


class Command(BaseCommand):
    help = "Generate demo data (示例) and role logins; idempotent. --reset recreates it."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="先删除已有示例数据再重新生成")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")

    def handle(self, *args, reset=False, seed=DEFAULT_SEED, **opts):
        if not CityPack.objects.exists() or not Sector.objects.exists():
            raise CommandError("请先载入城市包：aiplus load-citypack")
        if reset:
            reset_demo()
            self.stdout.write("已删除原有示例数据。")
        before = counts()
        try:
            with transaction.atomic():
                builder = DemoBuilder(seed, self.stdout)
                users = builder.role_accounts()
                exists = Demand.objects.filter(is_demo=True).exists()
                if not exists:
                    builder.build(users)
        except ServiceError as exc:
            detail = "；".join(f"{k}: {v}" for k, v in exc.errors.items())
            raise CommandError(f"生成示例数据失败：{exc.message} {detail}") from exc
        after = counts()
        if exists:
            self.stdout.write("示例数据已存在，未重复生成（如需重建：aiplus demo --reset）。")
        else:
            added = "，".join(f"{k} {after[k] - before[k]}" for k in after)
            self.stdout.write(self.style.SUCCESS(f"已生成示例数据：{added}"))
        self.stdout.write("")
        self.stdout.write("示例账号（所有示例数据均标注“示例”）：")
        self.stdout.write(login_table())

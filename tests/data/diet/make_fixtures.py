"""Write the Diet record fixtures of this folder (run: python tests/data/diet/make_fixtures.py).

The meetings, speakers, parliamentary groups and speeches are invented for the tests and the
notebook: they are in the shape the Diet record search API returns (speech and meeting
endpoints, JSON), with the speaker marks, meeting headers and line breaks real records have,
but they are not real records.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = "https://kokkai.ndl.go.jp"


def meeting(issue_id, session, house, name, issue, date):
    return {"issueID": issue_id, "imageKind": "会議録", "searchObject": 0, "session": session,
            "nameOfHouse": house, "nameOfMeeting": name, "issue": issue, "date": date, "closing": None,
            "meetingURL": f"{BASE}/txt/{issue_id}", "pdfURL": f"{BASE}/img/{issue_id}"}


def speech(issue_id, order, speaker, yomi, group, position, role, text, page=1):
    return {"speechID": f"{issue_id}_{order:03d}", "speechOrder": order, "speaker": speaker,
            "speakerYomi": yomi, "speakerGroup": group, "speakerPosition": position, "speakerRole": role,
            "speech": text, "startPage": page, "speechURL": f"{BASE}/txt/{issue_id}/{order}"}


A = meeting("121304024X00320230308", 211, "衆議院", "外務委員会", "第3号", "2023-03-08")
B = meeting("121315261X00220230315", 211, "参議院", "政府開発援助等に関する特別委員会", "第2号", "2023-03-15")
C = meeting("118304024X00420130410", 183, "衆議院", "外務委員会", "第4号", "2013-04-10")
D = meeting("115613950X00520030522", 156, "参議院", "外交防衛委員会", "第5号", "2003-05-22")

A_SPEECHES = [
    speech(A["issueID"], 0, "会議録情報", None, None, None, None,
           "令和五年三月八日（水曜日）\r\n    午前九時開議\r\n 出席委員\r\n   委員長 中村　誠君\r\n   理事 山田　太郎君 理事 鈴木　一郎君\r\n"
           "   高橋　美咲君 田中　健君\r\n    …………………………………\r\n   外務大臣 佐藤　花子君\r\n    ―――――――――――――\r\n"
           "本日の会議に付した案件\r\n 国際情勢に関する件\r\n    ――――◇―――――"),
    speech(A["issueID"], 1, "中村誠", "なかむらまこと", "みらい党", None, "委員長",
           "○中村委員長　これより会議を開きます。\r\n　国際情勢に関する件について調査を進めます。質疑の申出がありますので、順次これを許します。山田太郎君。"),
    speech(A["issueID"], 3, "山田太郎", "やまだたろう", "みらい党", None, None,
           "○山田委員　みらい党の山田太郎です。\r\n　紛争地では暴力によって多くの人々の命が失われ、恐怖からの自由が脅かされております。"
           "人間の安全保障を外交の柱として掲げる政府として、難民となった人々の保護にどう取り組むのか、伺います。", 2),
    speech(A["issueID"], 4, "佐藤花子", "さとうはなこ", "みらい党", "外務大臣", None,
           "○佐藤国務大臣　お答えいたします。\r\n　人間の安全保障は我が国外交の重要な柱であります。現場のニーズに応え、"
           "一人一人の尊厳を守るため、国際機関を通じた人道支援を続けてまいります。", 2),
]
B_SPEECHES = [
    speech(B["issueID"], 1, "小林修", "こばやしおさむ", "国民連合", None, "委員長",
           "○委員長（小林修君）　ただいまから政府開発援助等に関する特別委員会を開会いたします。"),
    speech(B["issueID"], 2, "鈴木一郎", "すずきいちろう", "国民連合", None, None,
           "○鈴木一郎君　国民連合の鈴木でございます。\r\n　極度の貧困に苦しむ人々は今なお多く、欠乏からの自由は遠いままです。"
           "支援を受ける人々のエンパワーメントを通じて、自ら生活を立て直す力を育てるべきではありませんか。", 3),
    speech(B["issueID"], 4, "佐藤花子", "さとうはなこ", "みらい党", "外務大臣", None,
           "○国務大臣（佐藤花子君）　御指摘のとおり、保護とエンパワーメントは人間の安全保障の両輪であり、"
           "双方を組み合わせて取り組むことが必要と考えております。", 3),
]
C_SPEECHES = [
    speech(C["issueID"], 0, "会議録情報", None, None, None, None,
           "平成二十五年四月十日（水曜日）\r\n    午前九時三十分開議\r\n 出席委員\r\n   委員長 木村　裕子君\r\n"
           "   高橋　美咲君 田中　健君\r\n    ―――――――――――――\r\n本日の会議に付した案件\r\n 国際情勢に関する件"),
    speech(C["issueID"], 1, "木村裕子", "きむらゆうこ", "国民連合", None, "委員長",
           "○木村委員長　これより会議を開きます。質疑の申出がありますので、これを許します。高橋美咲君。"),
    speech(C["issueID"], 2, "高橋美咲", "たかはしみさき", "市民の会", None, None,
           "○高橋（美）委員　市民の会の高橋美咲です。\r\n　東日本大震災では、多くの国から支援の申し出がありました。"
           "海外からの支援を受け入れる体制と、被災した人々の尊厳を守る取組について伺います。", 4),
    speech(C["issueID"], 3, "伊藤翔", "いとうしょう", "国民連合", "外務副大臣", None,
           "○伊藤副大臣　お答えいたします。\r\n　震災の経験を踏まえ、支援の受け入れの調整を改善してまいりました。"
           "人間の安全保障の視点から、一人一人に着目した支援を進めてまいります。", 4),
    speech(C["issueID"], 4, "田中健", "たなかけん", "みらい党", None, None,
           "○田中委員　みらい党の田中健です。\r\n　紛争地の地雷によって子供たちの命が脅かされています。恐怖からの自由と欠乏からの自由は不可分であり、"
           "一体として取り組むべきです。", 5),
]
D_SPEECHES = [
    speech(D["issueID"], 0, "会議録情報", None, None, None, None,
           "平成十五年五月二十二日（木曜日）\r\n   午前十時開会\r\n    ―――――――――――――\r\n  出席者は左のとおり。\r\n"
           "    委員長         渡辺  隆君\r\n    ―――――――――――――\r\n  本日の会議に付した案件\r\n○外交、防衛等に関する調査"),
    speech(D["issueID"], 1, "渡辺隆", "わたなべたかし", "市民の会", None, "委員長",
           "○委員長（渡辺隆君）　ただいまから外交防衛委員会を開会いたします。"),
    speech(D["issueID"], 2, "山本真理", "やまもとまり", "市民の会", None, None,
           "○山本真理君　市民の会の山本でございます。\r\n　人間の安全保障委員会の報告が出されました。紛争や貧困に苦しむ人々の保護と、"
           "人々が自らの力で生きられるようにするエンパワーメントについて、政府の考え方を伺います。", 6),
    speech(D["issueID"], 3, "佐々木良", "ささきりょう", "みらい党", "外務大臣", None,
           "○国務大臣（佐々木良君）　人間の安全保障は、人間一人一人に着目し、その生存、生活、尊厳を守るという考え方でございます。", 6),
]


def with_meeting(m, s):
    return {**m, **s, "issueID": m["issueID"]}


def main() -> None:
    # speech endpoint, one query in two pages; the second page was saved from record 4, so
    # speech 3 of meeting A comes twice
    hits = [with_meeting(A, A_SPEECHES[0]), with_meeting(A, A_SPEECHES[1]), with_meeting(A, A_SPEECHES[2]),
            with_meeting(B, B_SPEECHES[0]), with_meeting(A, A_SPEECHES[3]), with_meeting(B, B_SPEECHES[1]),
            with_meeting(B, B_SPEECHES[2])]
    for i, h in enumerate(hits, start=1):
        h["searchObject"] = i
    page1 = {"numberOfRecords": 7, "numberOfReturn": 4, "startRecord": 1, "nextRecordPosition": 5,
             "speechRecord": hits[:4]}
    page2 = {"numberOfRecords": 7, "numberOfReturn": 4, "startRecord": 3, "speechRecord": [hits[2]] + hits[4:]}
    meetings = {"numberOfRecords": 2, "numberOfReturn": 2, "startRecord": 1, "meetingRecord": [
        {**C, "speechRecord": [{k: v for k, v in s.items()} | {"createTime": "2013-06-01 10:00:00",
                                                              "updateTime": "2013-06-01 10:00:00"}
                               for s in C_SPEECHES]},
        {**D, "speechRecord": [{k: v for k, v in s.items()} | {"createTime": "2003-07-01 10:00:00",
                                                              "updateTime": "2003-07-01 10:00:00"}
                               for s in D_SPEECHES]},
    ]}
    for name, data in (("speech_page1.json", page1), ("speech_page2.json", page2), ("meeting_page1.json", meetings)):
        (HERE / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

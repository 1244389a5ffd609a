<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ArticleDialog</name>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="236"/>
        <source>Knowledge article</source>
        <translation>知识文章</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="246"/>
        <source>Match: %1%</source>
        <translation>匹配度：%1%</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="248"/>
        <source>Tags: %1</source>
        <translation>标签：%1</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="257"/>
        <source>Insert into reply</source>
        <translation>插入回复</translation>
    </message>
</context>
<context>
    <name>Attention</name>
    <message>
        <location filename="../../desk_app/desk/attention.py" line="60"/>
        <source>Show the desk</source>
        <translation>显示工作台</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/attention.py" line="61"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/attention.py" line="65"/>
        <location filename="../../desk_app/desk/attention.py" line="77"/>
        <source>Agent Desk</source>
        <translation>智能客服工作台</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/attention.py" line="77"/>
        <source>Agent Desk — %n unread</source>
        <translation>
            <numerusform>智能客服工作台 — %n 条未读</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/attention.py" line="94"/>
        <source>and %n more</source>
        <translation>
            <numerusform>另有 %n 条</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <location filename="../../desk_app/desk/views/composer.py" line="32"/>
        <source>Reply to the customer — Enter sends, Shift+Enter new line, / canned responses</source>
        <translation>回复客户 — Enter 发送，Shift+Enter 换行，/ 快捷回复</translation>
    </message>
</context>
<context>
    <name>ConnectionIndicator</name>
    <message>
        <location filename="../../desk_app/desk/views/status_widgets.py" line="34"/>
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/status_widgets.py" line="35"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/status_widgets.py" line="36"/>
        <source>Offline — reconnecting</source>
        <translation>离线 — 正在重连</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/status_widgets.py" line="37"/>
        <source>Signed out</source>
        <translation>未登录</translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <location filename="../../desk_app/desk/views/conversation_view.py" line="94"/>
        <location filename="../../desk_app/desk/views/conversation_view.py" line="149"/>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/conversation_view.py" line="113"/>
        <source>Show %n earlier message(s)</source>
        <translation>
            <numerusform>显示更早的 %n 条消息</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/conversation_view.py" line="143"/>
        <source>Internal note — only agents see this. Enter saves it.</source>
        <translation>内部备注 — 仅客服可见，按 Enter 保存。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/conversation_view.py" line="146"/>
        <source>Reply to the customer — Enter sends, Shift+Enter new line, / canned responses</source>
        <translation>回复客户 — Enter 发送，Shift+Enter 换行，/ 快捷回复</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/conversation_view.py" line="149"/>
        <source>Add note</source>
        <translation>添加备注</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/conversation_view.py" line="162"/>
        <source>The customer is typing…</source>
        <translation>客户正在输入…</translation>
    </message>
</context>
<context>
    <name>DeskApp</name>
    <message>
        <location filename="../../desk_app/desk/app.py" line="149"/>
        <source>The server address is not valid: %1</source>
        <translation>服务器地址无效：%1</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/app.py" line="170"/>
        <source>Cannot reach the server at %1. Check the address and that it runs.</source>
        <translation>无法连接服务器 %1，请检查地址以及服务器是否在运行。</translation>
    </message>
</context>
<context>
    <name>HandoffCard</name>
    <message>
        <location filename="../../desk_app/desk/views/handoff_card.py" line="56"/>
        <source>Show or hide the handoff details</source>
        <translation>显示或隐藏转人工详情</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/handoff_card.py" line="96"/>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/handoff_card.py" line="101"/>
        <source>No handoff</source>
        <translation>未转人工</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/handoff_card.py" line="109"/>
        <source>Intent guesses</source>
        <translation>意图猜测</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/handoff_card.py" line="111"/>
        <source>Slot</source>
        <translation>槽位</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/handoff_card.py" line="116"/>
        <source>Customer said</source>
        <translation>客户原话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/handoff_card.py" line="121"/>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
</context>
<context>
    <name>KnowledgePanel</name>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="301"/>
        <source>Search articles…</source>
        <translation>搜索知识文章…</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="314"/>
        <source>Knowledge articles</source>
        <translation>知识文章</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="316"/>
        <source>Insert</source>
        <translation>插入</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="317"/>
        <source>Insert the answer into the reply (Ctrl+I)</source>
        <translation>将答案插入回复框（Ctrl+I）</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="318"/>
        <source>Open</source>
        <translation>查看</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="319"/>
        <source>Read the full article</source>
        <translation>查看完整文章</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="381"/>
        <source>%n article(s) for “%1”</source>
        <translation>
            <numerusform>“%1”的相关文章 %n 篇</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="383"/>
        <source>No articles match “%1”</source>
        <translation>没有与“%1”匹配的文章</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="462"/>
        <source>Searching for “%1”…</source>
        <translation>正在搜索“%1”…</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="470"/>
        <source>Open a conversation to see suggested articles.</source>
        <translation>打开一个会话即可看到推荐的知识文章。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="472"/>
        <source>Suggested for what the customer asks</source>
        <translation>根据客户的问题推荐</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="474"/>
        <source>No article matches the customer&apos;s last message</source>
        <translation>客户最新的消息没有匹配的文章</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="476"/>
        <source>No suggestions yet</source>
        <translation>暂无推荐</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="49"/>
        <source>Asked for a person</source>
        <translation>客户要求转人工</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="50"/>
        <source>Bot unsure</source>
        <translation>机器人不确定</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="51"/>
        <source>Bot failed repeatedly</source>
        <translation>机器人多次未解决</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="54"/>
        <source>Upset customer</source>
        <translation>客户情绪不满</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="55"/>
        <source>Flow handoff</source>
        <translation>流程转人工</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="56"/>
        <source>No answer found</source>
        <translation>未找到答案</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="57"/>
        <source>Transferred</source>
        <translation>转接</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="58"/>
        <source>Agent left</source>
        <translation>客服离线</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="72"/>
        <source>Web</source>
        <translation>网页</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="73"/>
        <source>Terminal</source>
        <translation>终端</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="74"/>
        <source>API</source>
        <translation>API</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="27"/>
        <location filename="../../desk_app/desk/labels.py" line="84"/>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="85"/>
        <source>Bot</source>
        <translation>机器人</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="86"/>
        <source>Agent</source>
        <translation>客服</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="87"/>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="88"/>
        <source>Internal note</source>
        <translation>内部备注</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="94"/>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="95"/>
        <source>Away</source>
        <translation>离开</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="96"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="107"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="108"/>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="109"/>
        <source>E-mail</source>
        <translation>邮箱</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="110"/>
        <location filename="../../desk_app/desk/labels.py" line="111"/>
        <source>Order</source>
        <translation>订单</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="112"/>
        <source>VIP level</source>
        <translation>会员等级</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="113"/>
        <source>City</source>
        <translation>城市</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="114"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="159"/>
        <source>Someone else took this conversation first.</source>
        <translation>该会话已被其他客服接入。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="162"/>
        <source>You are not allowed to do that with this conversation.</source>
        <translation>您无权对该会话执行此操作。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="165"/>
        <source>That conversation no longer exists.</source>
        <translation>该会话已不存在。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="166"/>
        <source>That conversation is already closed.</source>
        <translation>该会话已经结束。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="169"/>
        <source>Too many actions at once; slow down a little.</source>
        <translation>操作过于频繁，请稍慢一些。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="172"/>
        <source>Wrong username or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="173"/>
        <source>Your sign-in has expired; sign in again.</source>
        <translation>登录已过期，请重新登录。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="176"/>
        <location filename="../../desk_app/desk/labels.py" line="177"/>
        <source>Please sign in again.</source>
        <translation>请重新登录。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/labels.py" line="179"/>
        <source>The server refused: %1</source>
        <translation>服务器拒绝了请求：%1</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="41"/>
        <source>Agent Desk — sign in</source>
        <translation>智能客服工作台 — 登录</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="44"/>
        <source>Agent Desk</source>
        <translation>智能客服工作台</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="48"/>
        <source>Sign in to handle conversations the bot hands over.</source>
        <translation>登录后即可处理机器人转来的会话。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="61"/>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="62"/>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="63"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="65"/>
        <source>Remember me on this computer</source>
        <translation>在这台电脑上记住我</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="92"/>
        <source>No system keyring is available, so the desk cannot remember you.</source>
        <translation>系统没有可用的密钥环，无法记住登录状态。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="78"/>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="101"/>
        <source>Enter the server address, your username and your password.</source>
        <translation>请输入服务器地址、用户名和密码。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/login.py" line="105"/>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="85"/>
        <location filename="../../desk_app/desk/views/main_window.py" line="552"/>
        <source>Agent Desk</source>
        <translation>智能客服工作台</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="108"/>
        <source>Accept a waiting chat, or pick one of yours on the left.</source>
        <translation>接入一个等待中的会话，或在左侧选择您的会话。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="128"/>
        <source>The knowledge panel is not installed.</source>
        <translation>知识面板未安装。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="213"/>
        <source>Accept next chat</source>
        <translation>接入下一个会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="216"/>
        <source>Internal note</source>
        <translation>内部备注</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="220"/>
        <source>Transfer…</source>
        <translation>转接…</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="223"/>
        <source>Return to bot</source>
        <translation>交还机器人</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="226"/>
        <source>Close</source>
        <translation>结束会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="230"/>
        <source>Submit as knowledge…</source>
        <translation>提交为知识…</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="235"/>
        <source>Search knowledge</source>
        <translation>搜索知识库</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="237"/>
        <source>Waiting queue</source>
        <translation>排队队列</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="238"/>
        <source>My conversations</source>
        <translation>我的会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="239"/>
        <source>Next conversation</source>
        <translation>下一个会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="241"/>
        <source>Previous conversation</source>
        <translation>上一个会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="243"/>
        <source>Filter the queue</source>
        <translation>筛选排队队列</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="244"/>
        <source>Online / away</source>
        <translation>在线 / 离开</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="245"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="246"/>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="247"/>
        <source>Dark theme</source>
        <translation>深色主题</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="251"/>
        <location filename="../../desk_app/desk/views/main_window.py" line="666"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="254"/>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="266"/>
        <source>&amp;Desk</source>
        <translation>工作台(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="272"/>
        <source>&amp;Conversation</source>
        <translation>会话(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="280"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="285"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="325"/>
        <source>Nobody is waiting.</source>
        <translation>当前没有客户在等待。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="347"/>
        <source>New chat assigned to you</source>
        <translation>有新会话分配给您</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="349"/>
        <source>Chat transferred to you</source>
        <translation>有会话转接给您</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="351"/>
        <location filename="../../desk_app/desk/views/main_window.py" line="528"/>
        <location filename="../../desk_app/desk/views/main_window.py" line="535"/>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="363"/>
        <source>Conversation closed.</source>
        <translation>会话已结束。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="364"/>
        <source>Conversation transferred.</source>
        <translation>会话已转接。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="365"/>
        <source>Conversation returned to the bot.</source>
        <translation>会话已交还机器人。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="366"/>
        <source>Conversation went back to the queue.</source>
        <translation>会话已回到排队队列。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="367"/>
        <source>The customer ended the conversation.</source>
        <translation>客户已结束会话。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="371"/>
        <source>Conversation ended</source>
        <translation>会话已结束</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="463"/>
        <source>Close conversation</source>
        <translation>结束会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="464"/>
        <source>Close this conversation? The customer can then rate the service.</source>
        <translation>确定结束这个会话吗？结束后客户可以为本次服务评分。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="485"/>
        <source>Submitting the article for review…</source>
        <translation>正在提交文章审核…</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="514"/>
        <source>Thank you: the article was submitted and waits for review.</source>
        <translation>谢谢！文章已提交，等待审核。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="529"/>
        <source>A customer is waiting</source>
        <translation>有客户在等待</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="548"/>
        <source>Waiting (%1)</source>
        <translation>等待中 (%1)</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="545"/>
        <source>Mine (%1)</source>
        <translation>我的 (%1)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/main_window.py" line="547"/>
        <source>%n unread</source>
        <translation>
            <numerusform>%n 条未读</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="560"/>
        <source>Chats %1/%2</source>
        <translation>会话 %1/%2</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="574"/>
        <source>Connection lost. Reconnecting; what you type will be sent when back.</source>
        <translation>连接已断开，正在重连；您输入的消息会在恢复后发送。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/main_window.py" line="580"/>
        <source>%n message(s) waiting to be sent</source>
        <translation>
            <numerusform>%n 条消息待发送</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="585"/>
        <source>The server is restarting; reconnecting shortly.</source>
        <translation>服务器正在重启，稍后自动重连。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="636"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/views/main_window.py" line="637"/>
        <source>The new language applies after you restart the desk.</source>
        <translation>新语言将在您重启工作台后生效。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/main_window.py" line="668"/>
        <source>You hold %n conversation(s). If you quit, they go back to the queue after the grace period. Quit anyway?</source>
        <translation>
            <numerusform>您手上还有 %n 个会话。退出后，这些会话将在宽限期结束后回到排队队列。确定退出吗？</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MessageDelegate</name>
    <message>
        <location filename="../../desk_app/desk/views/transcript_view.py" line="137"/>
        <source>sending…</source>
        <translation>发送中…</translation>
    </message>
</context>
<context>
    <name>MineDelegate</name>
    <message>
        <location filename="../../desk_app/desk/views/mine_view.py" line="42"/>
        <source>typing…</source>
        <translation>正在输入…</translation>
    </message>
</context>
<context>
    <name>MineModel</name>
    <message>
        <location filename="../../desk_app/desk/models/mine_model.py" line="55"/>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
</context>
<context>
    <name>QueueModel</name>
    <message>
        <location filename="../../desk_app/desk/models/queue_model.py" line="347"/>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/models/queue_model.py" line="348"/>
        <source>Waiting</source>
        <translation>等待时长</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/models/queue_model.py" line="349"/>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/models/queue_model.py" line="350"/>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/models/queue_model.py" line="351"/>
        <source>Intent guess</source>
        <translation>意图猜测</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/models/queue_model.py" line="352"/>
        <source>Handoff reason</source>
        <translation>转人工原因</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/models/queue_model.py" line="353"/>
        <source>Last message</source>
        <translation>最后消息</translation>
    </message>
</context>
<context>
    <name>QueueView</name>
    <message>
        <location filename="../../desk_app/desk/views/queue_view.py" line="249"/>
        <source>Filter by customer, intent, reason, message…</source>
        <translation>按客户、意图、原因、消息筛选…</translation>
    </message>
</context>
<context>
    <name>RosterModel</name>
    <message>
        <location filename="../../desk_app/desk/models/roster_model.py" line="93"/>
        <source>%1/%2 chats</source>
        <translation>%1/%2 个会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/models/roster_model.py" line="96"/>
        <source>full</source>
        <translation>已满</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../desk_app/desk/dialogs/settings_dialog.py" line="31"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/settings_dialog.py" line="36"/>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/settings_dialog.py" line="40"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/settings_dialog.py" line="41"/>
        <source>A new language applies after restarting the desk.</source>
        <translation>新语言在重启工作台后生效。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/settings_dialog.py" line="47"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/settings_dialog.py" line="48"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/settings_dialog.py" line="50"/>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/settings_dialog.py" line="51"/>
        <source>Play a sound for new chats</source>
        <translation>新会话时播放提示音</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/settings_dialog.py" line="53"/>
        <source>Show desktop notifications</source>
        <translation>显示桌面通知</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="28"/>
        <source>Accept the selected (or longest-waiting) chat</source>
        <translation>接入选中的（或等待最久的）会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="35"/>
        <source>In the queue: accept the selected chat</source>
        <translation>排队列表中：接入选中的会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="38"/>
        <source>In the composer: send</source>
        <translation>输入框中：发送</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="43"/>
        <source>In the composer: new line</source>
        <translation>输入框中：换行</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="48"/>
        <source>In the composer: canned responses</source>
        <translation>输入框中：快捷回复</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="51"/>
        <source>Internal note on / off</source>
        <translation>开启 / 关闭内部备注</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="56"/>
        <source>Transfer to an agent or team</source>
        <translation>转接给客服或团队</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="61"/>
        <source>Return the conversation to the bot</source>
        <translation>将会话交还机器人</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="64"/>
        <source>Close the conversation</source>
        <translation>结束会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="69"/>
        <source>Submit the selected messages as knowledge</source>
        <translation>将选中的消息提交为知识</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="74"/>
        <source>Search the knowledge base</source>
        <translation>搜索知识库</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="77"/>
        <source>Show the waiting queue</source>
        <translation>显示排队队列</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="80"/>
        <source>Show my conversations</source>
        <translation>显示我的会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="83"/>
        <source>Next conversation</source>
        <translation>下一个会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="88"/>
        <source>Previous conversation</source>
        <translation>上一个会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="90"/>
        <source>Filter the queue</source>
        <translation>筛选排队队列</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="94"/>
        <source>Switch between online and away</source>
        <translation>在线 / 离开 切换</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="96"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/shortcuts.py" line="97"/>
        <source>This list of shortcuts</source>
        <translation>本快捷键列表</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <location filename="../../desk_app/desk/dialogs/shortcuts_dialog.py" line="16"/>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
</context>
<context>
    <name>SubmitKnowledgeDialog</name>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="134"/>
        <source>Submit as knowledge</source>
        <translation>提交为知识</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="143"/>
        <source>A short question, e.g. how to get a refund</source>
        <translation>简短的问题，例如：怎么申请退款</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="147"/>
        <source>One question per line</source>
        <translation>每行一个问法</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="151"/>
        <source>The answer customers should get</source>
        <translation>客户应得到的答案</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="155"/>
        <source>Comma separated, e.g. refund, shipping</source>
        <translation>用逗号分隔，例如：退款, 物流</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="169"/>
        <source>The article is reviewed before the bot uses it. Personal data is masked before it leaves the desk.</source>
        <translation>文章经审核后才会被机器人使用。个人信息在离开工作台前会被脱敏。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="178"/>
        <source>&amp;Title</source>
        <translation>标题(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="179"/>
        <source>&amp;Questions</source>
        <translation>问法(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="180"/>
        <source>&amp;Answer</source>
        <translation>答案(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="181"/>
        <source>Ta&amp;gs</source>
        <translation>标签(&amp;G)</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="187"/>
        <source>Submit for review</source>
        <translation>提交审核</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="278"/>
        <source>Will also be masked when you submit: %1</source>
        <translation>提交时还将脱敏：%1</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="286"/>
        <source>No personal data found in the selected messages.</source>
        <translation>所选消息中未发现个人信息。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="287"/>
        <source>Masked: %1</source>
        <translation>已脱敏：%1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="293"/>
        <source>%n mobile number(s)</source>
        <translation>
            <numerusform>%n 个手机号</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="294"/>
        <source>%n phone number(s)</source>
        <translation>
            <numerusform>%n 个电话号码</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="295"/>
        <source>%n ID number(s)</source>
        <translation>
            <numerusform>%n 个身份证号</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="296"/>
        <source>%n bank card(s)</source>
        <translation>
            <numerusform>%n 张银行卡号</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="297"/>
        <source>%n e-mail address(es)</source>
        <translation>
            <numerusform>%n 个邮箱地址</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="298"/>
        <source>%n address(es)</source>
        <translation>
            <numerusform>%n 个地址</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="300"/>
        <source>, </source>
        <translation>、</translation>
    </message>
</context>
<context>
    <name>TransferDialog</name>
    <message>
        <location filename="../../desk_app/desk/dialogs/transfer.py" line="62"/>
        <source>Transfer conversation</source>
        <translation>转接会话</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/transfer.py" line="65"/>
        <source>To a team&apos;s queue</source>
        <translation>转到团队队列</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/transfer.py" line="66"/>
        <source>To an agent</source>
        <translation>转给客服</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/transfer.py" line="89"/>
        <source>What the next person should know (optional)</source>
        <translation>需要告知接手人的信息（可选）</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/transfer.py" line="93"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/transfer.py" line="105"/>
        <source>Transfer</source>
        <translation>转接</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/transfer.py" line="138"/>
        <source>Choose a team or an agent.</source>
        <translation>请选择一个团队或一位客服。</translation>
    </message>
    <message>
        <location filename="../../desk_app/desk/dialogs/transfer.py" line="96"/>
        <source>No other agent is on the desk right now.</source>
        <translation>现在没有其他客服在线。</translation>
    </message>
</context>
<context>
    <name>dialog</name>
    <message>
        <location filename="../../desk_app/desk/app.py" line="263"/>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
</context>
</TS>

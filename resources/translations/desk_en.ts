<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Attention</name>
    <message numerus="yes">
        <location filename="../../desk_app/desk/attention.py" line="59" />
        <source>Agent Desk — %n unread</source>
        <translation>
            <numerusform>Agent Desk — %n unread</numerusform>
            <numerusform>Agent Desk — %n unread</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/attention.py" line="72" />
        <source>and %n more</source>
        <translation>
            <numerusform>and %n more</numerusform>
            <numerusform>and %n more</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>KnowledgePanel</name>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="381" />
        <source>%n article(s) for “%1”</source>
        <translation>
            <numerusform>%n article for “%1”</numerusform>
            <numerusform>%n articles for “%1”</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/main_window.py" line="529" />
        <source>%n unread</source>
        <translation>
            <numerusform>%n unread</numerusform>
            <numerusform>%n unread</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/main_window.py" line="560" />
        <source>%n message(s) waiting to be sent</source>
        <translation>
            <numerusform>%n message waiting to be sent</numerusform>
            <numerusform>%n messages waiting to be sent</numerusform>
        </translation>
    </message>
</context>
</TS>
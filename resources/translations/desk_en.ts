<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Attention</name>
    <message numerus="yes">
        <location filename="../../desk_app/desk/attention.py" line="77"/>
        <source>Agent Desk — %n unread</source>
        <translation>
            <numerusform>Agent Desk — %n unread</numerusform>
            <numerusform>Agent Desk — %n unread</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/attention.py" line="94"/>
        <source>and %n more</source>
        <translation>
            <numerusform>and %n more</numerusform>
            <numerusform>and %n more</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/conversation_view.py" line="113"/>
        <source>Show %n earlier message(s)</source>
        <translation>
            <numerusform>Show %n earlier message</numerusform>
            <numerusform>Show %n earlier messages</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>KnowledgePanel</name>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/knowledge_panel.py" line="381"/>
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
        <location filename="../../desk_app/desk/views/main_window.py" line="547"/>
        <source>%n unread</source>
        <translation>
            <numerusform>%n unread</numerusform>
            <numerusform>%n unread</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/main_window.py" line="580"/>
        <source>%n message(s) waiting to be sent</source>
        <translation>
            <numerusform>%n message waiting to be sent</numerusform>
            <numerusform>%n messages waiting to be sent</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/views/main_window.py" line="668"/>
        <source>You hold %n conversation(s). If you quit, they go back to the queue after the grace period. Quit anyway?</source>
        <translation>
            <numerusform>You hold %n conversation. If you quit, it goes back to the queue after the grace period. Quit anyway?</numerusform>
            <numerusform>You hold %n conversations. If you quit, they go back to the queue after the grace period. Quit anyway?</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SubmitKnowledgeDialog</name>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="293"/>
        <source>%n mobile number(s)</source>
        <translation>
            <numerusform>%n mobile number</numerusform>
            <numerusform>%n mobile numbers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="294"/>
        <source>%n phone number(s)</source>
        <translation>
            <numerusform>%n phone number</numerusform>
            <numerusform>%n phone numbers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="295"/>
        <source>%n ID number(s)</source>
        <translation>
            <numerusform>%n ID number</numerusform>
            <numerusform>%n ID numbers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="296"/>
        <source>%n bank card(s)</source>
        <translation>
            <numerusform>%n bank card</numerusform>
            <numerusform>%n bank cards</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="297"/>
        <source>%n e-mail address(es)</source>
        <translation>
            <numerusform>%n e-mail address</numerusform>
            <numerusform>%n e-mail addresses</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desk_app/desk/dialogs/submit_knowledge.py" line="298"/>
        <source>%n address(es)</source>
        <translation>
            <numerusform>%n address</numerusform>
            <numerusform>%n addresses</numerusform>
        </translation>
    </message>
</context>
</TS>

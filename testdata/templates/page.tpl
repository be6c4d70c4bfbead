{{%AUTOESCAPE context="HTML"}}
<html><body>{{>HEADER}}
<main>{{BODY}}</main></body></html>

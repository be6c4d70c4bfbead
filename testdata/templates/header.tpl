{{%AUTOESCAPE context="HTML"}}
<header>{{USER}}</header>

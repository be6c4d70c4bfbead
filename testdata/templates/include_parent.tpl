{{%AUTOESCAPE context="HTML"}}
<div>{{>CHILD}}</div>

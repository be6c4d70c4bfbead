{{%AUTOESCAPE context="HTML"}}
<p>{{V}}</p>

{{%AUTOESCAPE context="HTML"}}
<p>
{{V:none}}</p>

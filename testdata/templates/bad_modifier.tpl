{{%AUTOESCAPE context="HTML"}}
<p>fine</p>
<p>{{NAME}}</p>
<p>{{NAME:bogus_modifier}}</p>
<p>after</p>

{{%AUTOESCAPE context="HTML"}}
<ul>
{{#ITEM}}<li>{{NAME}}</li>
</ul>

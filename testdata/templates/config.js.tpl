{{%AUTOESCAPE context="JAVASCRIPT"}}
var config = {name: '{{V}}'};
